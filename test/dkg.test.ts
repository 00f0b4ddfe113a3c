// The dealer-free regulator key (Joint-Feldman DKG) as a library: five holders make a 3-of-5
// key; a dealer that sends a bad share is named by the complaint and disqualified, a false
// complaint is rejected; the key opens real escrow ciphertexts with any 3 holders and not 2.
import { describe, expect, it } from "vitest";
import { BASE8, multiplyPoint, pointsEqual, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { encryptHandle } from "../src/crypto/escrow.js";
import { mod } from "../src/crypto/field.js";
import {
  assertTranscript,
  buildRoster,
  type ComplaintDocument,
  complain,
  type DealDocument,
  deal,
  type DkgResult,
  documentHash,
  finish,
  type HolderDocument,
  holderFingerprint,
  type HolderSecrets,
  judgeComplaint,
  newHolder,
  parseDeal,
  parseHolderDocument,
  receive,
  sealDeal,
  signComplaint,
  signDeal,
} from "../src/regulator/dkg.js";
import { parseRegulatorPublicKey, publicKeyJson } from "../src/regulator/key-files.js";
import { evaluate, lagrangeAtZero, type Polynomial, randomPolynomial } from "../src/regulator/shamir.js";
import { combinePartials, partialDecrypt, shareIsValid } from "../src/regulator/threshold-key.js";
import { randomField } from "./helpers/fixtures.js";

const subsets = <T>(items: T[], size: number): T[][] =>
  size === 0 ? [[]] : items.flatMap((item, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const unsigned = ({ signature: _, ...rest }: ComplaintDocument): Omit<ComplaintDocument, "signature"> => rest;
const where = (documents: readonly HolderDocument[]) => documents.map((d) => `holder-${d.index}.json`);

function ceremony(holders = 5, threshold = 3, name = "test-ceremony") {
  const made = Array.from({ length: holders }, (_, i) => newHolder(name, i + 1, holders, threshold));
  const documents = made.map((m) => m.document);
  const roster = buildRoster(documents, where(documents));
  const secrets: HolderSecrets[] = made.map((m) => m.secrets);
  return { roster, documents, secrets };
}

/** The bad dealer's deal: its commitments, but holder `victim` gets the share meant for `instead`. */
function wrongShareDeal(c: ReturnType<typeof ceremony>, dealer: number, polynomial: Polynomial, victim: number, instead: number): DealDocument {
  const shares = Array.from({ length: c.roster.holders }, (_, j) => evaluate(polynomial, BigInt(j + 1 === victim ? instead : j + 1)));
  return sealDeal(c.roster, dealer, c.secrets[dealer - 1], polynomial.coefficients.map((a) => multiplyPoint(BASE8, a)), shares);
}

describe("3-of-5 DKG with a cheating dealer and a false complaint", () => {
  const c = ceremony();
  // The test alone sees the polynomials (each holder's lives only inside its own deal call).
  const polynomials = Array.from({ length: 5 }, () => randomPolynomial(3));
  const deals = polynomials.map((p, i) => (i + 1 === 4 ? wrongShareDeal(c, 4, p, 2, 3) : deal(c.roster, i + 1, c.secrets[i], c.roster.hash, p)));
  const received = c.secrets.map((s, i) => receive(c.roster, i + 1, s, deals));
  const falseComplaint = complain(c.roster, 1, c.secrets[0], deals[2]);
  const complaints = [...received.flatMap((r) => r.complaints), falseComplaint];
  const results: DkgResult[] = c.secrets.map((s, i) => finish(c.roster, i + 1, s, deals, complaints));

  it("names the dealer whose share is bad, and only that complaint is made", () => {
    expect(received.map((r) => r.complaints.map((x) => [x.complainer, x.accused]))).toEqual([[], [[2, 4]], [], [], []]);
    expect(received[1].faults).toEqual(["holder 4's share for holder 2 does not match holder 4's commitments"]);
  });

  it("disqualifies the named dealer, keeps the falsely accused one, and every holder gets the same key", () => {
    for (const r of results) {
      expect(r.qualified).toEqual([1, 2, 3, 5]);
      expect(r.disqualified).toEqual([{ holder: 4, reason: "complaint of holder 2 upheld: holder 4's share for holder 2 does not match holder 4's commitments" }]);
      expect(r.falseComplaints).toEqual([{ complainer: 1, accused: 3, reason: "false complaint of holder 1 against holder 3: the share decrypts and matches holder 3's commitments" }]);
      expect(r.key).toEqual(results[0].key);
      expect(r.transcript).toBe(results[0].transcript);
    }
  });

  it("makes sk the sum of the qualified constant terms, which any 3 shares interpolate, though no holder holds it", () => {
    const sk = [1, 2, 3, 5].reduce((acc, i) => mod(acc + polynomials[i - 1].coefficients[0], SUBGROUP_ORDER), 0n);
    expect(pointsEqual(multiplyPoint(BASE8, sk), results[0].key.publicKey)).toBe(true);
    results.forEach((r, i) => expect(shareIsValid(results[0].key, i + 1, r.share)).toBe(true));
    for (const holders of subsets([1, 2, 3, 4, 5], 3)) {
      const lambdas = lagrangeAtZero(holders);
      expect(holders.reduce((acc, h, i) => mod(acc + lambdas[i] * results[h - 1].share, SUBGROUP_ORDER), 0n)).toBe(sk);
    }
    for (const r of results) expect(r.share).not.toBe(sk);
  });

  it("opens an escrowed handle with any 3 holders' partial decryptions, and not with 2", () => {
    const key = results[0].key;
    const handle = randomField(253);
    const ciphertext = encryptHandle(handle, key.publicKey);
    const partials = results.map((r, i) => partialDecrypt(key, i + 1, r.share, ciphertext));
    for (const holders of subsets([1, 2, 3, 4, 5], 3)) expect(combinePartials(key, ciphertext, holders.map((h) => partials[h - 1]))).toBe(handle);
    for (const holders of subsets([1, 2, 3, 4, 5], 2)) expect(() => combinePartials(key, ciphertext, holders.map((h) => partials[h - 1]))).toThrow(/2 valid partials .* 3 are needed/);
  });

  it("refuses to finish when this holder's share is bad and its complaint is not given", () => {
    expect(() => finish(c.roster, 2, c.secrets[1], deals, [falseComplaint])).toThrow(/holder 4's share for holder 2 does not match .* no complaint against holder 4/);
  });
});

describe("DKG documents that are refused or judged", () => {
  const c = ceremony();
  const deals = c.secrets.map((s, i) => deal(c.roster, i + 1, s, c.roster.hash));

  it("refuses a tampered deal: a changed commitment, share or field breaks the dealer's signature", () => {
    const changedCommitment = copy(deals[2]);
    changedCommitment.commitments[0] = copy(deals[1].commitments[0]);
    expect(() => parseDeal(changedCommitment, "deal-3.json", c.roster)).toThrow(/deal-3.json: the signature is not holder 3's \(the deal was altered or forged\)/);
    const swappedShare = copy(deals[2]);
    swappedShare.shares[1] = { ...swappedShare.shares[2], recipient: 2 };
    expect(() => parseDeal(swappedShare, "deal-3.json", c.roster)).toThrow(/signature is not holder 3's/);
    const claimedByOther = { ...copy(deals[2]), dealer: 1 };
    expect(() => parseDeal(claimedByOther, "deal-3.json", c.roster)).toThrow(/signature is not holder 1's/);
    expect(() => parseDeal({ ...copy(deals[2]), extra: 1 }, "deal-3.json", c.roster)).toThrow(/deal-3.json: .*extra/);
    expect(parseDeal(copy(deals[2]), "deal-3.json", c.roster)).toEqual(deals[2]);
  });

  it("names a dealer that signs holder 3's share into holder 2's slot (it decrypts for nobody)", () => {
    const honest = copy(deals[3]);
    const unsigned = { ...honest, shares: honest.shares.map((s, j) => (j === 1 ? { ...honest.shares[2], recipient: 2 } : s)) };
    const { signature: _, ...rest } = unsigned;
    // Re-signed by holder 4 itself: its own cheating, not a third party's tampering.
    const cheat = signDeal(rest, c.secrets[3]);
    const parsed = parseDeal(cheat, "deal-4.json", c.roster);
    const { complaints, faults } = receive(c.roster, 2, c.secrets[1], [parsed]);
    expect(faults).toEqual(["holder 4's share for holder 2 does not decrypt with their pair key"]);
    expect(judgeComplaint(c.roster, parsed, complaints[0])).toEqual({ guilty: "dealer", reason: "holder 4's share for holder 2 does not decrypt with their pair key" });
  });

  it("refuses a deal made for another roster (a share for holders of another ceremony)", () => {
    const other = ceremony(5, 3, "other-ceremony");
    const foreign = deal(other.roster, 1, other.secrets[0], other.roster.hash);
    expect(() => parseDeal(foreign, "deal-1.json", c.roster)).toThrow(/deal-1.json is for ceremony other-ceremony, not test-ceremony/);
    const sameName = ceremony(5, 3, "test-ceremony");
    expect(() => parseDeal(deal(sameName.roster, 1, sameName.secrets[0], sameName.roster.hash), "deal-1.json", c.roster)).toThrow(/was made for other holder documents/);
    expect(() => deal(c.roster, 1, sameName.secrets[0], c.roster.hash)).toThrow(/holder 1 document is not this holder's/);
  });

  it("refuses a wrong threshold: a holder document or a deal that disagrees with the ceremony", () => {
    const odd = newHolder("test-ceremony", 6, 6, 3).document;
    expect(() => buildRoster([...c.documents, odd], [...where(c.documents), "holder-6.json"])).toThrow(/holder-6.json is for holders 6, holder-1.json for 5/);
    const twoOfFive = newHolder("test-ceremony", 5, 5, 2).document;
    const documents = [...c.documents.slice(0, 4), twoOfFive];
    expect(() => buildRoster(documents, where(documents))).toThrow(/holder-5.json is for threshold 2, holder-1.json for 3: not one ceremony/);
    expect(() => newHolder("test-ceremony", 1, 5, 6)).toThrow(/1 <= threshold <= shares <= 255, received 6 of 5/);
    expect(() => parseDeal({ ...copy(deals[0]), threshold: 2 }, "deal-1.json", c.roster)).toThrow(/deal-1.json is for 2 of 5 holders, the ceremony is 3 of 5/);
    // A dealer that signs a degree-1 polynomial into a 3-of-5 deal is refused by name.
    const lowDegree = sealDeal(c.roster, 2, c.secrets[1], [BASE8, BASE8], [1n, 2n, 3n, 4n, 5n]);
    expect(() => parseDeal(lowDegree, "deal-2.json", c.roster)).toThrow(/holder 2 committed to 2 coefficients, the threshold 3 needs 3/);
  });

  it("refuses a duplicate holder index, a missing holder, reused keys and an altered holder document", () => {
    const dup = [...c.documents.slice(0, 4), c.documents[1]];
    expect(() => buildRoster(dup, ["h1", "h2", "h3", "h4", "h5"])).toThrow(/holder index 2 appears twice \(h2 and h5\)/);
    const again = newHolder("test-ceremony", 2, 5, 3).document;
    expect(() => buildRoster([...c.documents.slice(0, 4), again], ["h1", "h2", "h3", "h4", "h5"])).toThrow(/holder index 2 appears twice \(h2 and h5\)/);
    expect(() => buildRoster(c.documents.slice(0, 4), ["h1", "h2", "h3", "h4"])).toThrow(/no holder document for holder 5 of 5/);
    expect(() => parseHolderDocument({ ...copy(c.documents[0]), encryptionKey: c.documents[1].encryptionKey }, "holder-1.json")).toThrow(/holder-1.json: the signature is not the holder's own/);
    expect(parseHolderDocument(copy(c.documents[0]), "holder-1.json")).toEqual(c.documents[0]);
  });

  it("judges a false complaint false (the accused stays) and a forged pair key too", () => {
    const falseOne = complain(c.roster, 5, c.secrets[4], deals[0]);
    expect(judgeComplaint(c.roster, deals[0], falseOne)).toEqual({ guilty: "complainer", reason: "false complaint of holder 5 against holder 1: the share decrypts and matches holder 1's commitments" });
    // Holder 5 claims a made-up pair key (and signs it): the proof does not hold, so the accused is not blamed.
    const forged = signComplaint({ ...unsigned(falseOne), pairKey: { x: BASE8.x.toString(), y: BASE8.y.toString() } }, c.secrets[4]);
    expect(judgeComplaint(c.roster, deals[0], forged).guilty).toBe("complainer");
    // Holder 5 replays holder 2's complaint as its own: the proof is not for holder 5's key, nor for holder 5's complaint.
    const borrowed = signComplaint({ ...unsigned(complain(c.roster, 2, c.secrets[1], deals[0])), complainer: 5 }, c.secrets[4]);
    expect(judgeComplaint(c.roster, deals[0], borrowed)).toMatchObject({ guilty: "complainer", reason: /not proven to be theirs/ });
    const result = finish(c.roster, 1, c.secrets[0], deals, [falseOne, forged, borrowed]);
    expect(result.qualified).toEqual([1, 2, 3, 4, 5]);
    expect(result.falseComplaints.map((f) => f.complainer)).toEqual([5, 5, 5]);
    expect(result.skippedComplaints).toEqual([]);
  });

  it("skips and reports a reposted complaint with another dealHash, or one about no given deal; finish goes on", () => {
    const genuine = complain(c.roster, 2, c.secrets[1], deals[3]);
    // Anyone can repost holder 2's complaint naming another deal: it is no longer holder 2's word.
    const reposted = { ...copy(genuine), dealHash: documentHash(deals[0]) };
    // Holder 2 itself complains about a deal of holder 4's that nobody was given.
    const unseen = complain(c.roster, 2, c.secrets[1], deal(c.roster, 4, c.secrets[3], c.roster.hash));
    const result = finish(c.roster, 1, c.secrets[0], deals, [reposted, unseen, genuine]);
    expect(result.qualified).toEqual([1, 2, 3, 4, 5]);
    expect(result.skippedComplaints).toEqual([
      { complainer: 2, accused: 4, reason: "the complaint of holder 2 against holder 4 is not signed by holder 2 (altered or forged): skipped" },
      { complainer: 2, accused: 4, reason: expect.stringMatching(/^the complaint of holder 2 against holder 4 is about a deal that is not among the deals given \(deal [0-9a-f]{16}…\): skipped$/) },
    ]);
    expect(result.falseComplaints).toEqual([{ complainer: 2, accused: 4, reason: "false complaint of holder 2 against holder 4: the share decrypts and matches holder 4's commitments" }]);
    // The proof is bound to the deal it was made about: re-signed by holder 2 for another deal of holder 4's, it proves nothing.
    const second = deal(c.roster, 4, c.secrets[3], c.roster.hash);
    const moved = signComplaint({ ...unsigned(genuine), dealHash: documentHash(second) }, c.secrets[1]);
    expect(judgeComplaint(c.roster, second, moved)).toMatchObject({ guilty: "complainer", reason: /not proven to be theirs/ });
    // Skipped complaints do not enter the transcript: a junk file on the board does not split the holders.
    expect(result.transcript).toBe(finish(c.roster, 1, c.secrets[0], deals, [genuine]).transcript);
  });

  it("gives a different transcript to a holder that saw an extra deal (and so another qualified set)", () => {
    const second = deal(c.roster, 3, c.secrets[2], c.roster.hash);
    const sawBoth = finish(c.roster, 1, c.secrets[0], [...deals, second], []);
    const sawOne = finish(c.roster, 2, c.secrets[1], [deals[0], deals[1], second, deals[3], deals[4]], []);
    expect(sawBoth.qualified).toEqual([1, 2, 4, 5]);
    expect(sawOne.qualified).toEqual([1, 2, 3, 4, 5]);
    expect(sawBoth.transcript).not.toBe(sawOne.transcript);
    // Holders given the same files agree, in whatever order they were given.
    expect(finish(c.roster, 4, c.secrets[3], [second, ...deals].reverse(), []).transcript).toBe(sawBoth.transcript);
    expect(() => assertTranscript(sawOne, sawBoth.transcript)).toThrow(expect.objectContaining({ code: "dkg_transcript_mismatch" }));
    assertTranscript(sawBoth, sawBoth.transcript);
  });

  it("refuses to deal to a roster with a swapped holder document: its hash is not the confirmed one", () => {
    // Whoever runs the board replaces holder 3's document with its own (self-signed, so it parses).
    const attacker = newHolder("test-ceremony", 3, 5, 3);
    const swapped = [...c.documents.slice(0, 2), parseHolderDocument(copy(attacker.document), "holder-3.json"), ...c.documents.slice(3)];
    const roster = buildRoster(swapped, where(swapped));
    expect(() => deal(roster, 1, c.secrets[0], c.roster.hash)).toThrow(expect.objectContaining({ code: "dkg_roster_mismatch", message: expect.stringMatching(/not to the confirmed roster hash .*a holder document was swapped/) }));
    expect(holderFingerprint(swapped[2])).not.toBe(holderFingerprint(c.documents[2]));
    expect(deal(c.roster, 1, c.secrets[0], c.roster.hash).rosterHash).toBe(c.roster.hash);
  });

  it("refuses threshold 1 (every share would be the key)", () => {
    expect(() => newHolder("test-ceremony", 1, 5, 1)).toThrow(expect.objectContaining({ code: "invalid_argument", message: expect.stringMatching(/threshold of at least 2 .* received 1 of 5/) }));
  });

  it("refuses a regulator-public.json whose keyId, key or share keys are not the ones its commitments give", () => {
    const { key } = finish(c.roster, 1, c.secrets[0], deals, []);
    const file = copy(publicKeyJson(key));
    expect(parseRegulatorPublicKey(copy(file))).toEqual(key);
    const other = publicKeyJson(finish(c.roster, 1, c.secrets[0], deals.slice(0, 4), []).key);
    const forgeries: [string, object, RegExp][] = [
      ["keyId", { ...file, keyId: other.keyId }, /keyId [0-9a-f]{16} is not the one its commitments give/],
      ["shareKeys", { ...file, shareKeys: [file.shareKeys[1], file.shareKeys[0], ...file.shareKeys.slice(2)] }, /share key of holder 1 is not the one/],
      ["key", { ...file, x: other.x, y: other.y }, /key \(x, y\) is not the one/],
      ["everything but the commitments", { ...other, commitments: file.commitments }, /is not the one its commitments give/],
      ["a share key too few", { ...file, shareKeys: file.shareKeys.slice(1) }, /number of shares 5 \(it has 4 share keys\)/],
    ];
    for (const [what, forged, message] of forgeries) expect(() => parseRegulatorPublicKey(forged), what).toThrow(expect.objectContaining({ code: "invalid_regulator_key", message: expect.stringMatching(message) }));
    expect(() => parseRegulatorPublicKey({ ...file, extra: 1 })).toThrow(/the regulator key file: .*extra/);
  });

  it("disqualifies a dealer that signed two different deals, and leaves out one that dealt nothing", () => {
    const second = deal(c.roster, 3, c.secrets[2], c.roster.hash);
    const result = finish(c.roster, 1, c.secrets[0], [deals[0], deals[1], deals[2], second, deals[4]], []);
    expect(result.qualified).toEqual([1, 2, 5]);
    expect(result.disqualified).toEqual([
      { holder: 3, reason: "holder 3 signed 2 different deals" },
      { holder: 4, reason: "holder 4 published no deal" },
    ]);
    expect(() => finish(c.roster, 1, c.secrets[0], deals.slice(0, 2), [])).toThrow(/only 2 holders qualified \(1, 2\); the key needs at least 3 contributors/);
  });
});


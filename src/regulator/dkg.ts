import { hkdfSync } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { z } from "zod";
import { sha256Hex } from "../crypto/sha256.js";
import { aesGcmDecrypt, aesGcmEncrypt } from "../crypto/aes-gcm.js";
import { addPoints, assertSubgroupPoint, BASE8, IDENTITY, multiplyPoint, type Point, pointsEqual, SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { mod, randomBelow } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { Decimal, Ed25519PublicKey, Hex, PointJson, Sha256Hex } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { ed25519Signer, newSigningKeyHex } from "../signed-log/ed25519-signer.js";
import { proveEqualLogs, verifyEqualLogs } from "./chaum-pedersen.js";
import { checkThreshold, evaluate, type Polynomial, randomPolynomial } from "./shamir.js";
import { feldmanShareKey, publicKeyFromCommitments, type RegulatorPublicKey } from "./threshold-key.js";

/**
 * Dealer-free generation of the regulator key: Joint-Feldman DKG (Pedersen '91, as
 * analysed by Gennaro, Jarecki, Krawczyk and Rabin) on Baby Jubjub, the escrow's group.
 *
 * 1. Each holder i publishes a holder document: an encryption key E_i = e_i·G and an Ed25519
 *    signing key, self-signed.
 * 2. Each holder i draws a polynomial f_i of degree k-1 and publishes one signed deal:
 *    Feldman commitments C_{i,m} = a_{i,m}·G and, for every holder j, f_i(j) encrypted to j
 *    with AES-256-GCM under a key derived from the pair key K_ij = e_i·E_j = e_j·E_i.
 * 3. Each holder j decrypts its shares and checks each against the dealer's commitments;
 *    for a bad one it publishes a complaint revealing K_ij with a Chaum–Pedersen proof that
 *    log_G(E_j) = log_{E_i}(K_ij). Anyone can check the proof, decrypt the share and see
 *    whether it fails: then the dealer is disqualified, otherwise the complaint is false.
 * 4. QUAL = the dealers with a valid deal and no justified complaint. Holder j's share is
 *    x_j = Σ_{i∈QUAL} f_i(j); the key's commitments are Σ_{i∈QUAL} C_{i,m}, so PK = Σ a_{i,0}·G
 *    and every holder's share key follow from public data. sk = Σ a_{i,0} is never formed.
 *
 * Deals and complaints are signed by their authors, and a complaint's proof is bound to its
 * ceremony, complainer, accused and deal, so a complaint names the guilty party and nobody
 * can frame an honest dealer or replay someone else's complaint.
 *
 * What the holders must confirm to each other out of band (the documents are self-signed,
 * so whoever runs the board could otherwise swap them): before dealing, the roster hash
 * (`deal` refuses any other roster, so no share is encrypted to a swapped-in key); after
 * `finish`, the transcript hash, which covers every deal and judged complaint used and the
 * qualified set, and so differs if a dealer gave different holders different deals.
 *
 * Joint-Feldman lets cheating holders bias the key (GJKR '99): by getting themselves
 * disqualified or not after seeing the others' deals, t of them choose among up to 2^t keys.
 * They never learn sk, and ElGamal-type encryption (the escrow) stays secure under such keys.
 *
 * Why the pair key is on Baby Jubjub rather than X25519: a complaint must prove the key it
 * reveals is the right one, and the project already has a tested Chaum–Pedersen proof on
 * this group. Revealing K_ij exposes only the channel between i and j.
 */

export const HOLDER_FORMAT = "realdid-dkg-holder/1";
export const DEAL_FORMAT = "realdid-dkg-deal/1";
/** /2: signed by the complainer, its proof bound to the complaint's context. */
export const COMPLAINT_FORMAT = "realdid-dkg-complaint/2";

const Ceremony = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be 1-100 letters, digits, '.', '_' or '-'");
const HolderIndex = z.number().int().min(1).max(255);
const Scalar = Decimal.refine((value) => BigInt(value) < SUBGROUP_ORDER, "must be below the Baby Jubjub subgroup order");
const Base64 = (bytes: number) => z.string().length(Math.ceil(bytes / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, `must be ${bytes} bytes of base64`);

export const HolderDocumentSchema = z.strictObject({
  format: z.literal(HOLDER_FORMAT),
  ceremony: Ceremony,
  index: HolderIndex,
  threshold: HolderIndex,
  holders: HolderIndex,
  /** E_i = e_i·G: shares are encrypted to this holder under pair keys with it. */
  encryptionKey: PointJson,
  /** Signs this document and the holder's deal. */
  signingKey: Ed25519PublicKey,
  signature: Hex(64),
});
export type HolderDocument = z.infer<typeof HolderDocumentSchema>;

const EncryptedShareSchema = z.strictObject({ recipient: HolderIndex, iv: Base64(12), ciphertext: Base64(32), tag: Base64(16) });

export const DealDocumentSchema = z.strictObject({
  format: z.literal(DEAL_FORMAT),
  ceremony: Ceremony,
  /** SHA-256 of the holder documents the deal was made for. */
  rosterHash: Sha256Hex,
  dealer: HolderIndex,
  threshold: HolderIndex,
  holders: HolderIndex,
  /** C_m = a_m·G for the dealer's polynomial, m = 0..threshold-1. */
  commitments: z.array(PointJson),
  /** f(j) for holder j = 1..holders, in that order, each readable only by j. */
  shares: z.array(EncryptedShareSchema),
  signature: Hex(64),
});
export type DealDocument = z.infer<typeof DealDocumentSchema>;

export const ComplaintDocumentSchema = z.strictObject({
  format: z.literal(COMPLAINT_FORMAT),
  ceremony: Ceremony,
  rosterHash: Sha256Hex,
  complainer: HolderIndex,
  accused: HolderIndex,
  /** SHA-256 of the accused's deal document the complaint is about. */
  dealHash: Sha256Hex,
  /** K = e_complainer·E_accused: lets anyone decrypt the disputed share. */
  pairKey: PointJson,
  /** Chaum–Pedersen: log_G(E_complainer) = log_{E_accused}(pairKey), in this complaint's context. */
  proof: z.strictObject({ challenge: Scalar, response: Scalar }),
  /** The complainer's: nobody else can post a complaint in its name. */
  signature: Hex(64),
});
export type ComplaintDocument = z.infer<typeof ComplaintDocumentSchema>;

/** A holder's secrets for the ceremony: never leave its folder (sealed there). */
export interface HolderSecrets {
  readonly encryptionSecret: bigint;
  readonly signingSecret: string;
}

/** The holder documents of one ceremony, checked against each other; members[i - 1] is holder i. */
export interface Roster {
  readonly ceremony: string;
  readonly threshold: number;
  readonly holders: number;
  readonly members: readonly HolderDocument[];
  readonly hash: string;
}

const pointJson = (p: Point) => ({ x: p.x.toString(), y: p.y.toString() });
const toPoint = (p: { x: string; y: string }): Point => ({ x: BigInt(p.x), y: BigInt(p.y) });
/** The hash a complaint and the transcript name a document by. */
export const documentHash = (document: DealDocument | ComplaintDocument): string => sha256Hex(canonicalJson(document));
/** What a holder reads out to the others so they can tell its holder document from a swapped one. */
export const holderFingerprint = (document: HolderDocument): string => sha256Hex(canonicalJson(document));

const signed = <D extends { format: string }>(unsigned: D, signingSecret: string): D & { signature: string } => ({
  ...unsigned,
  signature: ed25519Signer(signingSecret).sign(new TextEncoder().encode(`${unsigned.format}\n${canonicalJson(unsigned)}`)),
});

function signatureIsValid(document: { format: string; signature: string }, signingKey: string): boolean {
  const { signature, ...unsigned } = document;
  try {
    return ed25519.verify(Buffer.from(signature, "hex"), new TextEncoder().encode(`${document.format}\n${canonicalJson(unsigned)}`), Buffer.from(signingKey, "hex"));
  } catch {
    return false;
  }
}

const invalid = (message: string) => new RealDidError("dkg_invalid", message);

/** Shamir's bounds, and k >= 2: with k = 1 every holder's share would be sk itself. */
function checkDkgThreshold(threshold: number, holders: number): void {
  checkThreshold(threshold, holders);
  if (threshold < 2) throw new RealDidError("invalid_argument", `the DKG needs a threshold of at least 2 (with 1, every holder's share would be the key itself), received ${threshold} of ${holders}`);
}

/** Step 1: a holder's keys for the ceremony, and the document it publishes. */
export function newHolder(ceremony: string, index: number, holders: number, threshold: number): { document: HolderDocument; secrets: HolderSecrets } {
  checkDkgThreshold(threshold, holders);
  if (!Number.isInteger(index) || index < 1 || index > holders) throw new RealDidError("invalid_argument", `the holder index must be 1..${holders}, received ${index}`);
  const secrets = { encryptionSecret: randomBelow(SUBGROUP_ORDER), signingSecret: newSigningKeyHex() };
  const unsigned = {
    format: HOLDER_FORMAT,
    ceremony: parseDocument(Ceremony, ceremony, "the ceremony name"),
    index,
    threshold,
    holders,
    encryptionKey: pointJson(multiplyPoint(BASE8, secrets.encryptionSecret)),
    signingKey: ed25519Signer(secrets.signingSecret).publicKey,
  } as const;
  return { document: signed(unsigned, secrets.signingSecret), secrets };
}

export function parseHolderDocument(value: unknown, where: string): HolderDocument {
  const document = parseDocument(HolderDocumentSchema, value, where, "dkg_invalid");
  if (!signatureIsValid(document, document.signingKey)) throw invalid(`${where}: the signature is not the holder's own (the document was altered)`);
  assertSubgroupPoint(`${where}: encryptionKey`, toPoint(document.encryptionKey), "dkg_invalid");
  return document;
}

/**
 * The roster every step works from: one holder document per index 1..n, all for the same
 * ceremony, threshold and number of holders, with distinct keys. `where[i]` names document i.
 */
export function buildRoster(documents: readonly HolderDocument[], where: readonly string[]): Roster {
  const first = documents[0];
  if (first === undefined) throw invalid("no holder documents given");
  const members: HolderDocument[] = [];
  const from = new Map<number, string>();
  documents.forEach((d, i) => {
    for (const field of ["ceremony", "threshold", "holders"] as const) {
      if (d[field] !== first[field]) throw invalid(`${where[i]} is for ${field} ${d[field]}, ${where[0]} for ${first[field]}: not one ceremony`);
    }
    if (from.has(d.index)) throw invalid(`holder index ${d.index} appears twice (${from.get(d.index)} and ${where[i]})`);
    if (d.index > d.holders) throw invalid(`${where[i]}: holder index ${d.index} is above the ${d.holders} holders`);
    if (members.some((m) => m !== undefined && (pointsEqual(toPoint(m.encryptionKey), toPoint(d.encryptionKey)) || m.signingKey === d.signingKey))) {
      throw invalid(`${where[i]}: holder ${d.index} reuses another holder's key`);
    }
    members[d.index - 1] = d;
    from.set(d.index, where[i]);
  });
  checkDkgThreshold(first.threshold, first.holders);
  const missing = Array.from({ length: first.holders }, (_, i) => i + 1).filter((i) => members[i - 1] === undefined);
  if (missing.length > 0) throw invalid(`no holder document for holder${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${first.holders}`);
  return { ceremony: first.ceremony, threshold: first.threshold, holders: first.holders, members, hash: sha256Hex(canonicalJson(members)) };
}

const memberOf = (roster: Roster, index: number): HolderDocument => {
  const member = roster.members[index - 1];
  if (member === undefined) throw invalid(`there is no holder ${index} among the ${roster.holders}`);
  return member;
};

/** K_ij = e_i·E_j: the same point for both ends of the pair. */
const pairKey = (roster: Roster, ownSecret: bigint, other: number): Point => multiplyPoint(toPoint(memberOf(roster, other).encryptionKey), ownSecret);

/** AES key and associated data of the share dealer → recipient: bound to roster, dealer and recipient. */
function shareCipher(roster: Roster, dealer: number, recipient: number, key: Point): { key: Buffer; aad: Buffer } {
  const info = Buffer.from(`${DEAL_FORMAT}\n${roster.hash}\n${dealer}\n${recipient}`);
  const ikm = Buffer.from(key.x.toString(16).padStart(64, "0") + key.y.toString(16).padStart(64, "0"), "hex");
  return { key: Buffer.from(hkdfSync("sha256", ikm, "realdid/dkg-share/1", info, 32)), aad: info };
}

/**
 * Step 2, the signed deal for given per-holder share values (`shares[j - 1]` for holder j).
 * `deal` below passes f(j); anything else is a cheating dealer, which is what the
 * complaints are for (tests build such deals with this).
 */
export function sealDeal(roster: Roster, dealer: number, secrets: HolderSecrets, commitments: readonly Point[], shares: readonly bigint[]): DealDocument {
  const unsigned = {
    format: DEAL_FORMAT,
    ceremony: roster.ceremony,
    rosterHash: roster.hash,
    dealer,
    threshold: roster.threshold,
    holders: roster.holders,
    commitments: commitments.map(pointJson),
    shares: shares.map((share, j) => {
      const { key, aad } = shareCipher(roster, dealer, j + 1, pairKey(roster, secrets.encryptionSecret, j + 1));
      return { recipient: j + 1, ...aesGcmEncrypt(key, Buffer.from(share.toString(16).padStart(64, "0"), "hex"), aad) };
    }),
  } as const;
  return signDeal(unsigned, secrets);
}

/** The dealer's signature over its deal: what makes everything in it the dealer's own word. */
export const signDeal = (body: Omit<DealDocument, "signature">, secrets: HolderSecrets): DealDocument => signed(body, secrets.signingSecret);

/**
 * The roster must be the one every holder confirmed out of band: holder documents are only
 * self-signed, so a board that swapped some would otherwise receive their shares.
 */
export function assertRosterConfirmed(roster: Roster, confirmedHash: string): void {
  if (roster.hash !== confirmedHash) {
    throw new RealDidError(
      "dkg_roster_mismatch",
      `the holder documents given hash to ${roster.hash}, not to the confirmed roster hash ${confirmedHash}: a holder document was swapped, altered or left out; deal only when every holder confirms the same hash`,
    );
  }
}

/**
 * Step 2: holder `dealer`'s contribution, only to the roster whose hash the holders confirmed.
 * Its polynomial exists only during this call.
 */
export function deal(roster: Roster, dealer: number, secrets: HolderSecrets, confirmedRosterHash: string, polynomial: Polynomial = randomPolynomial(roster.threshold)): DealDocument {
  assertRosterConfirmed(roster, confirmedRosterHash);
  assertOwnKeys(roster, dealer, secrets);
  return sealDeal(
    roster,
    dealer,
    secrets,
    polynomial.coefficients.map((a) => multiplyPoint(BASE8, a)),
    Array.from({ length: roster.holders }, (_, j) => evaluate(polynomial, BigInt(j + 1))),
  );
}

/** The holder's secrets must be those behind its document in the roster (else it is the wrong folder or roster). */
export function assertOwnKeys(roster: Roster, index: number, secrets: HolderSecrets): void {
  const member = memberOf(roster, index);
  if (!pointsEqual(toPoint(member.encryptionKey), multiplyPoint(BASE8, secrets.encryptionSecret)) || member.signingKey !== ed25519Signer(secrets.signingSecret).publicKey) {
    throw invalid(`the roster's holder ${index} document is not this holder's: its keys differ`);
  }
}

/** A deal checked against the roster: format, ceremony, sizes, points, and the dealer's signature. */
export function parseDeal(value: unknown, where: string, roster: Roster): DealDocument {
  const d = parseDocument(DealDocumentSchema, value, where, "dkg_invalid");
  if (d.ceremony !== roster.ceremony) throw invalid(`${where} is for ceremony ${d.ceremony}, not ${roster.ceremony}`);
  if (d.threshold !== roster.threshold || d.holders !== roster.holders) throw invalid(`${where} is for ${d.threshold} of ${d.holders} holders, the ceremony is ${roster.threshold} of ${roster.holders}`);
  if (d.rosterHash !== roster.hash) throw invalid(`${where} was made for other holder documents (roster ${d.rosterHash.slice(0, 16)}…, ours ${roster.hash.slice(0, 16)}…)`);
  if (!signatureIsValid(d, memberOf(roster, d.dealer).signingKey)) throw invalid(`${where}: the signature is not holder ${d.dealer}'s (the deal was altered or forged)`);
  // From here on the document is the dealer's own word: what is wrong with it is the dealer's fault.
  const malformed = (fault: string) => invalid(`${where}: ${fault}; leave this deal out, and holder ${d.dealer} is disqualified for dealing none`);
  if (d.commitments.length !== roster.threshold) throw malformed(`holder ${d.dealer} committed to ${d.commitments.length} coefficients, the threshold ${roster.threshold} needs ${roster.threshold}`);
  if (d.shares.length !== roster.holders || d.shares.some((s, j) => s.recipient !== j + 1)) throw malformed(`holder ${d.dealer}'s deal must carry one share for each holder 1..${roster.holders}, in order`);
  d.commitments.forEach((c, m) => {
    try {
      assertSubgroupPoint(`holder ${d.dealer}'s commitments[${m}]`, toPoint(c), "dkg_invalid");
    } catch (error) {
      throw malformed((error as Error).message);
    }
  });
  return d;
}

/** Decrypts holder `recipient`'s share of `deal` with the pair key and checks it against the commitments. */
function openDealtShare(roster: Roster, deal: DealDocument, recipient: number, key: Point): { share: bigint } | { fault: string } {
  const box = deal.shares[recipient - 1];
  const { key: aesKey, aad } = shareCipher(roster, deal.dealer, recipient, key);
  const plaintext = aesGcmDecrypt(aesKey, box, aad);
  if (plaintext === undefined) return { fault: `holder ${deal.dealer}'s share for holder ${recipient} does not decrypt with their pair key` };
  const share = BigInt("0x" + Buffer.from(plaintext).toString("hex"));
  const expected = feldmanShareKey(deal.commitments.map(toPoint), recipient);
  if (share >= SUBGROUP_ORDER || !pointsEqual(multiplyPoint(BASE8, share), expected)) {
    return { fault: `holder ${deal.dealer}'s share for holder ${recipient} does not match holder ${deal.dealer}'s commitments` };
  }
  return { share };
}

type ComplaintContext = Pick<ComplaintDocument, "ceremony" | "rosterHash" | "complainer" | "accused" | "dealHash">;
/** What a complaint's proof is bound to: the same proof says nothing about another deal, ceremony or pair. */
const complaintContext = (c: ComplaintContext): string => `${COMPLAINT_FORMAT}\n${c.ceremony}\n${c.rosterHash}\ncomplainer ${c.complainer}\naccused ${c.accused}\ndeal ${c.dealHash}`;

/** The complainer's signature over its complaint (tests build cheating complaints with it). */
export const signComplaint = (body: Omit<ComplaintDocument, "signature">, secrets: HolderSecrets): ComplaintDocument => signed(body, secrets.signingSecret);

/** A complaint by `complainer` against the dealer of `deal`: the pair key, proven in context, signed. */
export function complain(roster: Roster, complainer: number, secrets: HolderSecrets, deal: DealDocument): ComplaintDocument {
  const accusedKey = toPoint(memberOf(roster, deal.dealer).encryptionKey);
  const context = { ceremony: roster.ceremony, rosterHash: roster.hash, complainer, accused: deal.dealer, dealHash: documentHash(deal) };
  const proof = proveEqualLogs(secrets.encryptionSecret, accusedKey, complaintContext(context));
  return signComplaint(
    {
      format: COMPLAINT_FORMAT,
      ...context,
      pairKey: pointJson(multiplyPoint(accusedKey, secrets.encryptionSecret)),
      proof: { challenge: proof.challenge.toString(), response: proof.response.toString() },
    },
    secrets,
  );
}

/** Step 3: holder `index` checks its share in every deal; a complaint for each bad one. */
export function receive(roster: Roster, index: number, secrets: HolderSecrets, deals: readonly DealDocument[]): { complaints: ComplaintDocument[]; faults: string[] } {
  assertOwnKeys(roster, index, secrets);
  const complaints: ComplaintDocument[] = [];
  const faults: string[] = [];
  for (const d of deals) {
    const opened = openDealtShare(roster, d, index, pairKey(roster, secrets.encryptionSecret, d.dealer));
    if ("fault" in opened) {
      complaints.push(complain(roster, index, secrets, d));
      faults.push(opened.fault);
    }
  }
  return { complaints, faults };
}

export function parseComplaint(value: unknown, where: string, roster: Roster): ComplaintDocument {
  const c = parseDocument(ComplaintDocumentSchema, value, where, "dkg_invalid");
  if (c.ceremony !== roster.ceremony || c.rosterHash !== roster.hash) throw invalid(`${where} is for another ceremony or other holder documents`);
  memberOf(roster, c.complainer);
  memberOf(roster, c.accused);
  return c;
}

/** Who a complaint shows to be at fault, and why. */
export interface Verdict {
  readonly guilty: "dealer" | "complainer";
  readonly reason: string;
}

/**
 * Judges a complaint from public data only: the proof must show the revealed key is the
 * complainer's pair key with the accused; then the disputed share is decrypted and checked.
 * (Whether the complaint is the complainer's own, signed, is `finish`'s first question.)
 */
export function judgeComplaint(roster: Roster, deal: DealDocument, complaint: ComplaintDocument): Verdict {
  const by = `complaint of holder ${complaint.complainer} against holder ${complaint.accused}`;
  if (deal.dealer !== complaint.accused || documentHash(deal) !== complaint.dealHash) throw invalid(`the ${by} is about a deal that is not among the deals given`);
  const key = toPoint(complaint.pairKey);
  const proof = { challenge: BigInt(complaint.proof.challenge), response: BigInt(complaint.proof.response) };
  const complainerKey = toPoint(memberOf(roster, complaint.complainer).encryptionKey);
  const accusedKey = toPoint(memberOf(roster, complaint.accused).encryptionKey);
  if (complaint.complainer === complaint.accused) return { guilty: "complainer", reason: `false ${by}: a holder cannot accuse itself` };
  // A subgroup check first: a revealed point with a torsion part cannot be an honest pair key.
  try {
    assertSubgroupPoint("pairKey", key, "dkg_invalid");
  } catch {
    return { guilty: "complainer", reason: `false ${by}: the revealed pair key is not a subgroup point` };
  }
  if (!verifyEqualLogs(proof, complainerKey, accusedKey, key, complaintContext(complaint))) return { guilty: "complainer", reason: `false ${by}: the revealed pair key is not proven to be theirs` };
  const opened = openDealtShare(roster, deal, complaint.complainer, key);
  return "fault" in opened ? { guilty: "dealer", reason: opened.fault } : { guilty: "complainer", reason: `false ${by}: the share decrypts and matches holder ${complaint.accused}'s commitments` };
}

export interface DkgResult {
  /** The regulator key, the same for every holder that used the same deals and complaints. */
  readonly key: RegulatorPublicKey;
  /** This holder's share x_j of the key. */
  readonly share: bigint;
  readonly qualified: readonly number[];
  readonly disqualified: readonly { readonly holder: number; readonly reason: string }[];
  readonly falseComplaints: readonly { readonly complainer: number; readonly accused: number; readonly reason: string }[];
  /** Complaints left out: not signed by their complainer, or about a deal that was not given. */
  readonly skippedComplaints: readonly { readonly complainer: number; readonly accused: number; readonly reason: string }[];
  /** SHA-256 of the roster, every deal given, the complaints judged, the qualified set and the key: holders compare it. */
  readonly transcript: string;
}

/** Why `finish` leaves a complaint out, or undefined when it is to be judged against `deal`. */
function whyIgnored(roster: Roster, complaint: ComplaintDocument, deal: DealDocument | undefined): string | undefined {
  const by = `the complaint of holder ${complaint.complainer} against holder ${complaint.accused}`;
  if (!signatureIsValid(complaint, memberOf(roster, complaint.complainer).signingKey)) return `${by} is not signed by holder ${complaint.complainer} (altered or forged): skipped`;
  if (deal === undefined || deal.dealer !== complaint.accused) return `${by} is about a deal that is not among the deals given (deal ${complaint.dealHash.slice(0, 16)}…): skipped`;
  return undefined;
}

/**
 * Step 4: judges every complaint, forms QUAL and this holder's share of the joint key.
 * Every holder given the same deals and complaints gets the same key and transcript. A dealer
 * without a deal is left out; a dealer that signed two different deals is disqualified; a
 * complaint that is not its complainer's or names no given deal is skipped and reported
 * (anyone can post one, and it must not stop the ceremony).
 */
export function finish(roster: Roster, index: number, secrets: HolderSecrets, deals: readonly DealDocument[], complaints: readonly ComplaintDocument[]): DkgResult {
  assertOwnKeys(roster, index, secrets);
  const dealsByHash = new Map(deals.map((d) => [documentHash(d), d]));
  const disqualified = new Map<number, string>();
  const byDealer = new Map<number, DealDocument>();
  for (let i = 1; i <= roster.holders; i++) {
    const given = [...dealsByHash.values()].filter((d) => d.dealer === i);
    if (given.length === 0) disqualified.set(i, `holder ${i} published no deal`);
    else if (given.length > 1) disqualified.set(i, `holder ${i} signed ${given.length} different deals`);
    else byDealer.set(i, given[0]);
  }

  const judged = new Set<string>();
  const falseComplaints: DkgResult["falseComplaints"][number][] = [];
  const skippedComplaints: DkgResult["skippedComplaints"][number][] = [];
  for (const c of complaints) {
    const d = dealsByHash.get(c.dealHash);
    const ignored = whyIgnored(roster, c, d);
    if (ignored !== undefined) {
      skippedComplaints.push({ complainer: c.complainer, accused: c.accused, reason: ignored });
      continue;
    }
    judged.add(documentHash(c));
    if (disqualified.has(c.accused)) continue; // already out (it signed two deals)
    const verdict = judgeComplaint(roster, d!, c);
    if (verdict.guilty === "dealer") disqualified.set(c.accused, `complaint of holder ${c.complainer} upheld: ${verdict.reason}`);
    else falseComplaints.push({ complainer: c.complainer, accused: c.accused, reason: verdict.reason });
  }

  const qualified = [...byDealer.keys()].filter((i) => !disqualified.has(i)).sort((a, b) => a - b);
  if (qualified.length < roster.threshold) {
    throw new RealDidError("dkg_failed", `only ${qualified.length} holder${qualified.length === 1 ? "" : "s"} qualified (${qualified.join(", ") || "none"}); the key needs at least ${roster.threshold} contributors`);
  }
  let share = 0n;
  for (const dealer of qualified) {
    const opened = openDealtShare(roster, byDealer.get(dealer)!, index, pairKey(roster, secrets.encryptionSecret, dealer));
    if ("fault" in opened) throw new RealDidError("dkg_failed", `${opened.fault}, and no complaint against holder ${dealer} was given: publish this holder's complaint (dkg receive) and finish again with it`);
    share = mod(share + opened.share, SUBGROUP_ORDER);
  }
  const commitments = Array.from({ length: roster.threshold }, (_, m) => qualified.reduce((acc, i) => addPoints(acc, toPoint(byDealer.get(i)!.commitments[m])), IDENTITY));
  const key = publicKeyFromCommitments(roster.threshold, roster.holders, commitments);
  // Every deal given counts, a dealer's second one too: two holders that saw different deals
  // must not see one transcript, even where the deals alone would not change their key.
  const transcript = sha256Hex(canonicalJson({ roster: roster.hash, deals: [...dealsByHash.keys()].sort(), complaints: [...judged].sort(), qualified, keyId: key.keyId }));
  return {
    key,
    share,
    qualified,
    disqualified: [...disqualified].sort(([a], [b]) => a - b).map(([holder, reason]) => ({ holder, reason })),
    falseComplaints,
    skippedComplaints,
    transcript,
  };
}

/** Refuses a finish whose transcript is not the one the holders confirmed to each other. */
export function assertTranscript(result: DkgResult, expected: string): void {
  if (result.transcript !== expected) {
    throw new RealDidError(
      "dkg_transcript_mismatch",
      `this holder's transcript is ${result.transcript}, not the expected ${expected}: the holders were given different deals or complaints (compare the files); do not use this key`,
    );
  }
}

import { utf8ToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { LEDGER_KIND, type LedgerChange } from "../src/ledger/ledger-entry.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { entryHash } from "../src/signed-log/signed-log.js";
import { RootLedger } from "../src/ledger/root-ledger.js";

const signer = ed25519Signer(newSigningKeyHex());
const T0 = Date.parse("2026-06-15T10:00:00Z");
const MINUTE = 60_000;

function ledgerOf(roots: bigint[], key = signer): RootLedger {
  const ledger = new RootLedger(key.publicKey);
  roots.forEach((root, i) => ledger.publishRoot(root, i, new Date(T0 + i * 10 * MINUTE), key));
  return ledger;
}

describe("RootLedger", () => {
  it("chains, signs and round-trips through JSON lines", () => {
    const ledger = ledgerOf([10n, 11n, 12n]);
    expect(ledger.entriesFrom(1)[0].prevHash).toBe(entryHash(LEDGER_KIND, ledger.entriesFrom(0)[0]));
    const copy = RootLedger.fromJsonLines(ledger.toJsonLines(), signer.publicKey);
    expect(copy.head).toEqual(ledger.head);
  });

  it("accepts the current root and a replaced one until the window after its replacement", () => {
    const ledger = ledgerOf([10n, 11n, 12n]); // 11 replaced at T0+20min
    expect(ledger.isRootAccepted(12n, T0 + 1000 * MINUTE)).toBe(true);
    expect(ledger.isRootAccepted(11n, T0 + 20 * MINUTE + 59 * MINUTE)).toBe(true);
    // Counted from the replacement (T0+20min), not from publication (T0+10min).
    expect(ledger.isRootAccepted(11n, T0 + 75 * MINUTE)).toBe(true);
    expect(ledger.isRootAccepted(11n, T0 + 80 * MINUTE)).toBe(false);
    expect(ledger.isRootAccepted(11n, T0 + 21 * MINUTE, 30_000)).toBe(false);
    expect(ledger.isRootAccepted(99n, T0)).toBe(false);
  });

  it("judges a root that reappears by its last appearance", () => {
    const ledger = ledgerOf([10n, 11n, 10n]);
    expect(ledger.isRootAccepted(10n, T0 + 1000 * MINUTE)).toBe(true);
  });

  const tamperings: [string, (lines: string[]) => string[], RegExp][] = [
    ["an edited root", (l) => l.map((line, i) => (i === 2 ? line.replace(/"root":"11"/, '"root":"13"') : line)), /entry 1: the signature/],
    ["an edited time", (l) => l.map((line, i) => (i === 3 ? line.replace(/T10:20/, "T10:21") : line)), /entry 2: the signature/],
    ["a deleted entry", (l) => l.filter((_, i) => i !== 2), /entry 2: expected sequence number 1/],
    ["two swapped entries", (l) => [l[0], l[1], l[3], l[2], l[4]], /entry 2: expected sequence number 1/],
    ["an entry that is not JSON", (l) => l.map((line, i) => (i === 4 ? "{oops" : line)), /line 5 is not valid JSON/],
  ];
  it.each(tamperings)("detects %s and names the entry", (_, tamper, message) => {
    const lines = ledgerOf([10n, 11n, 12n, 13n]).toJsonLines().trim().split("\n");
    expect(() => RootLedger.fromJsonLines(tamper(lines).join("\n"))).toThrow(message);
  });

  it("from its owner's store: the head's signature and every link checked, so an edit anywhere is still found", () => {
    const entries = () => ledgerOf([10n, 11n, 12n, 13n]).entriesFrom(0);
    const loaded = RootLedger.fromOwnStore(signer.publicKey, entries());
    expect([loaded.length, loaded.rootStatus(13n), loaded.rootStatus(10n, T0 + 15 * MINUTE)]).toEqual([4, "current", "recent"]);
    const edit = (seq: number, change: object) => entries().map((e) => (e.seq === seq ? { ...e, ...change } : e));
    // An older entry edited (its root, or its signature): the next entry's link to it breaks.
    expect(() => RootLedger.fromOwnStore(signer.publicKey, edit(1, { root: "99" }))).toThrow(/entry 2: prevHash does not match/);
    expect(() => RootLedger.fromOwnStore(signer.publicKey, edit(1, { signature: "00".repeat(64) }))).toThrow(/entry 2: prevHash does not match/);
    // The head edited: its own signature fails.
    expect(() => RootLedger.fromOwnStore(signer.publicKey, edit(3, { root: "99" }))).toThrow(/entry 3: the signature/);
    // The whole chain under another key: the head's signature is not the owner's.
    expect(() => RootLedger.fromOwnStore(signer.publicKey, ledgerOf([10n, 11n], ed25519Signer(newSigningKeyHex())).entriesFrom(0))).toThrow(/entry 1: the signature/);
  });

  it("detects a tail re-signed with another key", () => {
    const ledger = ledgerOf([10n, 11n]);
    const forger = ed25519Signer(newSigningKeyHex());
    const lines = ledger.toJsonLines().trim().split("\n");
    const forged = new RootLedger(forger.publicKey);
    forged.publishRoot(10n, 0, new Date(T0), forger);
    const resigned = [lines[0], lines[1], JSON.stringify({ ...JSON.parse(lines[2]), signature: forged.head!.signature })];
    expect(() => RootLedger.fromJsonLines(resigned.join("\n"))).toThrow(/entry 1: the signature/);
    expect(() => RootLedger.fromJsonLines(forged.toJsonLines(), signer.publicKey)).toThrow(/signed by another key/);
  });

  it("syncs a replica incrementally and refuses a forked history", () => {
    const source = ledgerOf([10n, 11n, 12n]);
    const replica = new RootLedger(signer.publicKey, source.entriesFrom(0).slice(0, 2));
    expect(replica.sync(source.entriesFrom(1))).toBe(1);
    expect(replica.head).toEqual(source.head);
    source.publishRoot(14n, 3, new Date(T0 + 40 * MINUTE), signer);
    expect(replica.sync(source.entriesFrom(3))).toBe(1);

    const fork = ledgerOf([10n, 11n, 99n]);
    expect(() => replica.sync(fork.entriesFrom(0))).toThrow(/entry 2 differs/);
    expect(replica.length).toBe(4);
  });

  describe("an entry's change (realdid-ledger/2)", () => {
    const GRANT: LedgerChange = { kind: "mandate-grant", digest: "ab".repeat(32) };
    const withChanges = () => {
      const ledger = new RootLedger(signer.publicKey);
      ledger.publishRoot(10n, 0, new Date(T0), signer); // the genesis entry names no change
      ledger.publishRoot(11n, 1, new Date(T0 + MINUTE), signer, { kind: "enroll", digest: "cd".repeat(32) });
      ledger.publishRoot(12n, 2, new Date(T0 + 2 * MINUTE), signer, GRANT);
      return ledger;
    };

    it("is signed with its entry, round-trips, and is written under a realdid-ledger/2 header", () => {
      const ledger = withChanges();
      const text = ledger.toJsonLines();
      expect(JSON.parse(text.split("\n")[0]).format).toBe("realdid-ledger/2");
      const copy = RootLedger.fromJsonLines(text, signer.publicKey);
      expect(copy.head).toEqual(ledger.head);
      expect(copy.head!.change).toEqual(GRANT);
      expect(copy.entry(0)).not.toHaveProperty("change");
    });

    const tamperings: [string, (entry: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ["an edited digest", (e) => ({ ...e, change: { ...GRANT, digest: "ac".repeat(32) } }), /entry 2: the signature is not the owner's/],
      ["an edited kind", (e) => ({ ...e, change: { ...GRANT, kind: "mandate-revoke" } }), /entry 2: the signature is not the owner's/],
      ["a removed change", ({ change: _, ...e }) => e, /entry 2: the signature is not the owner's/],
      ["a change of an unknown kind", (e) => ({ ...e, change: { ...GRANT, kind: "gift" } }), /line 4 is not a well-formed ledger entry/],
      ["a change with another field", (e) => ({ ...e, change: { ...GRANT, note: "x" } }), /line 4 is not a well-formed ledger entry/],
    ];
    it.each(tamperings)("refuses %s", (_, tamper, message) => {
      const lines = withChanges().toJsonLines().trim().split("\n");
      lines[3] = JSON.stringify(tamper(JSON.parse(lines[3])));
      expect(() => RootLedger.fromJsonLines(lines.join("\n"))).toThrow(message);
    });

    it("leaves realdid-ledger/1 as it was: its entries keep their signatures and hashes, its files are read, an unknown version is refused", () => {
      // An entry exactly as realdid-ledger/1 signed it: no change in its canonical form, the same domain.
      const unsigned = { seq: 0, root: "10", treeSize: 0, time: new Date(T0).toISOString(), prevHash: "0".repeat(64) };
      const v1Entry = { ...unsigned, signature: signer.sign(utf8ToBytes(`realdid-ledger/1\n${JSON.stringify(unsigned)}`)) };
      const v1File = [JSON.stringify({ format: "realdid-ledger/1", publicKey: signer.publicKey }), JSON.stringify(v1Entry)].join("\n");
      const read = RootLedger.fromJsonLines(v1File, signer.publicKey);
      expect(read.head).toEqual(v1Entry);
      expect(ledgerOf([10n]).head!.signature).toBe(v1Entry.signature); // what this version signs without a change is what /1 signed
      read.publishRoot(11n, 1, new Date(T0 + MINUTE), signer, GRANT);
      expect(read.head!.prevHash).toBe(entryHash(LEDGER_KIND, v1Entry));
      expect(() => RootLedger.fromJsonLines(v1File.replace("realdid-ledger/1", "realdid-ledger/3"))).toThrow(/line 1 is not a realdid-ledger\/2 or realdid-ledger\/1 header/);
    });
  });
});

// The regulator's audit log finds every kind of tampering: an edited field, a deleted
// entry, two swapped entries, a tail re-signed with another key.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditFolder, AuditLog } from "../src/regulator/audit-log.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";

let dir: string;
let lines: string[];
let auditKey: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-audit-"));
  const audit = AuditFolder.init(join(dir, "audit"));
  auditKey = audit.publicKey;
  audit.append("case-1", "request", { legalBasis: "Court order 1/2026", keyId: "abc" });
  audit.append("case-1", "partial", { index: 1, accepted: true });
  audit.append("case-1", "partial", { index: 3, accepted: true });
  audit.append("case-1", "result", { handle: "123", holders: [1, 3] });
  lines = readFileSync(audit.logFile, "utf8").trim().split("\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("audit log", () => {
  it("reads back, verified, with each case's events", () => {
    const log = AuditLog.fromJsonLines(lines.join("\n"), auditKey);
    expect(log.caseEvents("case-1").map((e) => e.event)).toEqual(["request", "partial", "partial", "result"]);
    expect(log.caseEvents("case-1")[3].details).toEqual({ handle: "123", holders: [1, 3] });
  });

  const resign = (l: string[]) => {
    // A forger rewrites entry 2 onwards and signs with its own key.
    const forger = ed25519Signer(newSigningKeyHex());
    const forged = new AuditLog(forger.publicKey);
    forged.publish({ caseId: "case-1", event: "request", details: "{}" }, new Date(), forger);
    return [l[0], l[1], l[2], JSON.stringify({ ...JSON.parse(l[3]), signature: forged.head!.signature }), l[4]];
  };
  it.each([
    ["an edited field", (l: string[]) => l.map((line, i) => (i === 4 ? line.replace('\\"123\\"', '\\"124\\"') : line)), /audit entry 3: the signature/],
    ["a deleted entry", (l: string[]) => l.filter((_, i) => i !== 2), /audit entry 2: expected sequence number 1/],
    ["two swapped entries", (l: string[]) => [l[0], l[1], l[3], l[2], l[4]], /audit entry 2: expected sequence number 1/],
    ["a tail re-signed with another key", resign, /audit entry 2: the signature/],
  ])("detects %s", (_, tamper, message) => {
    const tampered = tamper(lines);
    expect(tampered.join("\n")).not.toBe(lines.join("\n"));
    expect(() => AuditLog.fromJsonLines(tampered.join("\n"), auditKey)).toThrow(message);
  });

  it("refuses a whole log re-signed with another key", () => {
    const forger = ed25519Signer(newSigningKeyHex());
    const forged = new AuditLog(forger.publicKey);
    forged.publish({ caseId: "case-1", event: "result", details: '{"handle":"999"}' }, new Date(), forger);
    expect(() => AuditLog.fromJsonLines(forged.toJsonLines(), auditKey)).toThrow(/signed by another key/);
  });
});

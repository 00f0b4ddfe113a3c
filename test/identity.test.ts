import { describe, expect, it } from "vitest";
import { SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { hashCommitment, hashPair } from "../src/crypto/poseidon.js";
import { combineGuardianShares, guardianShares } from "../src/identity/backup.js";
import { Identity } from "../src/identity/identity.js";
import { exportIdentity, exportIdentityInsecurePlaintext, importIdentity, parseIdentityFile } from "../src/identity/identity-file.js";

describe("Identity", () => {
  it("draws a canonical secret and commits to it with Poseidon1", () => {
    const identity = Identity.random();
    expect(identity.secret > 0n && identity.secret < SUBGROUP_ORDER).toBe(true);
    expect(identity.commitment).toBe(hashCommitment(identity.secret));
    expect(Identity.random().secret).not.toBe(identity.secret);
  });

  it("has one DID address per scope", () => {
    const identity = Identity.random();
    expect(identity.didAddress(1n)).toBe(hashPair(1n, identity.secret));
    expect(identity.didAddress(1n)).not.toBe(identity.didAddress(2n));
  });

  it("round-trips through a passphrase-sealed and an insecure plaintext file", () => {
    const identity = Identity.random();
    expect(parseIdentityFile(exportIdentityInsecurePlaintext(identity))).toMatchObject({ identity: { secret: identity.secret }, plaintext: true });
    const sealed = exportIdentity(identity, "correct horse");
    expect(sealed).not.toContain(identity.secret.toString());
    expect(parseIdentityFile(sealed, "correct horse")).toMatchObject({ identity: { secret: identity.secret }, plaintext: false });
  });

  it("names what is wrong with a file", () => {
    const identity = Identity.random();
    const sealed = exportIdentity(identity, "correct horse");
    expect(() => importIdentity(sealed, "wrong")).toThrow(/wrong passphrase/);
    expect(() => importIdentity(sealed)).toThrow(/passphrase is needed/);
    expect(() => importIdentity("{not json")).toThrow(/not valid JSON/);
    expect(() => importIdentity(JSON.stringify({ format: "other" }))).toThrow(/format/);
    const file = JSON.parse(exportIdentityInsecurePlaintext(identity));
    expect(() => importIdentity(JSON.stringify({ ...file, commitment: "1" }))).toThrow(/does not match/);
    expect(() => importIdentity(JSON.stringify({ ...file, secret: SUBGROUP_ORDER.toString() }))).toThrow(/\[1, l\)/);
    expect(() => importIdentity(JSON.stringify({ ...file, sealed: JSON.parse(sealed).sealed }))).toThrow(/exactly one of 'sealed' and 'secret'/);
    const costly = JSON.parse(sealed);
    costly.sealed.kdf.N = 2 ** 20;
    expect(() => importIdentity(JSON.stringify(costly), "correct horse")).toThrow(/field 'sealed.kdf' asks scrypt for more than 256 MiB/);
    const tampered = JSON.parse(sealed);
    tampered.sealed.ciphertext = Buffer.from("x".repeat(80)).toString("base64");
    expect(() => importIdentity(JSON.stringify(tampered), "correct horse")).toThrow(/wrong passphrase|altered/);
  });

  it("guardian shares: every 3 of 5 restore the identity, 2 say nothing, no share alone holds the secret", () => {
    const identity = Identity.random();
    const shares = guardianShares(identity, [], 5, 3, "insecure-plaintext").map((text) => JSON.parse(text)); // the Shamir arithmetic; sealing is tested through the CLI
    for (const share of shares) expect(JSON.stringify(share)).not.toContain(identity.secret.toString());
    const names = shares.map((_, i) => `g${i + 1}`);
    for (let a = 0; a < 5; a++)
      for (let b = a + 1; b < 5; b++) {
        expect(() => combineGuardianShares([shares[a], shares[b]], [names[a], names[b]])).toThrow(/needs 3 of its 5 guardian shares; received 2/);
        for (let c = b + 1; c < 5; c++) {
          const restored = combineGuardianShares([shares[c], shares[a], shares[b]], [names[c], names[a], names[b]]);
          expect(restored).toMatchObject({ identity: { secret: identity.secret }, files: [], suspect: [] });
        }
      }
    const altered = { ...shares[4], share: "1" };
    expect(combineGuardianShares([...shares.slice(0, 4), altered], names).suspect).toEqual(["g5"]);
    expect(() => combineGuardianShares([shares[0], shares[1], altered], ["g1", "g2", "g5"])).toThrow(/do not open the backup/);
  });
});

// Unified social credit codes (GB 32100-2015), the identifiers of enterprises (issue 14):
// published codes of real enterprises are accepted; every single-character change and
// every wrong check character is refused with a message that says which check failed.
// Then the circuit's TypeScript twins: an enterprise's fields and a mandate's terms.
import { describe, expect, it } from "vitest";
import { parseCreditCode, withCreditCodeCheck } from "../src/business/credit-code.js";
import { authorityTypeRange, creditCodeOfValue, encodeOrganisationType, enterpriseFields } from "../src/business/enterprise.js";
import { ALL_TASKS, type MandateTerms, mandateLeaf, taskSlots } from "../src/business/mandate.js";

/** Codes printed on business licences (public registers), and the standard's own example. */
const PUBLISHED = ["91350100M000100Y43", "91110000100006485K", "91440300708461136T", "91330100716105852F", "914403001922038216"];
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

describe("unified social credit codes", () => {
  it("accepts published codes and reads their parts", () => {
    for (const code of PUBLISHED) expect(parseCreditCode(code).code).toBe(code);
    expect(parseCreditCode("91350100M000100Y43")).toEqual({ code: "91350100M000100Y43", authority: "9", organisationType: "1", region: "350100", organisationCode: "M000100Y4" });
    expect(withCreditCodeCheck("91350100M000100Y4")).toBe("91350100M000100Y43");
  });

  it("refuses every single-character change, naming the failed check", () => {
    let refused = 0;
    for (const code of PUBLISHED) {
      for (let i = 0; i < 18; i++) {
        for (const character of ALPHABET) {
          if (character === code[i]) continue;
          const changed = code.slice(0, i) + character + code.slice(i + 1);
          // A letter in the division's digits is refused by its own rule; everything else by the check character.
          expect(() => parseCreditCode(changed), changed).toThrow(i >= 2 && i < 8 && !/\d/.test(character) ? /characters 3-8 must be the 6-digit administrative division/ : i === 17 ? new RegExp(`check character is ${character}, but the first 17 characters give ${code[17]}`) : /fails its check/);
          refused++;
        }
      }
    }
    expect(refused).toBe(PUBLISHED.length * 18 * 30);
  });

  it("refuses characters credit codes do not use, the wrong length and non-strings, saying which", () => {
    expect(() => parseCreditCode("91350100M00010OY43")).toThrow(/character 15 "O" is not used in credit codes/);
    expect(() => parseCreditCode("91350100m000100Y43")).toThrow(/character 9 "m" is not used/);
    expect(() => parseCreditCode("91350100M000100Y4")).toThrow(/is 18 characters, received "91350100M000100Y4"/);
    expect(() => parseCreditCode(913501)).toThrow(/is 18 characters, received 913501/);
  });
});

describe("enterprise fields (the circuit's enterpriseCode, enterpriseRegion, enterpriseType)", () => {
  it("encode each published code losslessly: the revealed value reads back as the code", () => {
    for (const code of PUBLISHED) {
      const fields = enterpriseFields(code);
      expect(fields.code < 31n ** 18n).toBe(true);
      expect(creditCodeOfValue(fields.code)).toBe(code);
      expect(fields.region).toBe(BigInt(code.slice(2, 8)));
      expect(fields.type).toBe(encodeOrganisationType(code.slice(0, 2)));
    }
    expect(enterpriseFields("91350100M000100Y43")).toMatchObject({ region: 350100n, type: 31n * 9n + 1n });
    expect(new Set(PUBLISHED.map((code) => enterpriseFields(code).code)).size).toBe(PUBLISHED.length);
  });

  it("puts one registration authority's organisation types in one range", () => {
    expect(authorityTypeRange("9")).toEqual([279n, 309n]);
    for (const code of PUBLISHED) {
      const [lo, hi] = authorityTypeRange(code[0]);
      expect(enterpriseFields(code).type >= lo && enterpriseFields(code).type <= hi).toBe(true);
      const [otherLo, otherHi] = authorityTypeRange("5");
      expect(enterpriseFields(code).type >= otherLo && enterpriseFields(code).type <= otherHi).toBe(false);
    }
    // "Y" (30), the last character, closes authority 9's range: 31·9 + 30.
    expect(encodeOrganisationType("9Y")).toBe(authorityTypeRange("9")[1]);
    expect(() => authorityTypeRange("O")).toThrow(/received "O0"/);
    expect(() => encodeOrganisationType("9")).toThrow(/the credit code's first two characters .* received "9"/);
  });

  it("refuses a value that is no credit code, saying so", () => {
    const value = enterpriseFields(PUBLISHED[0]).code;
    expect(() => creditCodeOfValue(-1n)).toThrow(/-1 is not a credit code's value/);
    expect(() => creditCodeOfValue(31n ** 18n)).toThrow(/is not a credit code's value/);
    // One more changes the check character only: the code fails its check.
    expect(() => creditCodeOfValue(value + 1n)).toThrow(/fails its check/);
  });
});

describe("mandate terms (the circuit's MandateLeaf)", () => {
  const terms: MandateTerms = {
    agentCommitment: 12345n,
    enterprise: enterpriseFields(PUBLISHED[0]),
    role: "agent",
    tasks: ["tax_filing", "invoicing"],
    validFrom: "2026-06-01",
    validUntil: "2026-12-31",
    index: 17,
  };

  it("fills unused task slots with 0 and writes 'all' as ALL_TASKS (1) in the first slot", () => {
    expect(taskSlots(["tax_filing", "invoicing"])).toEqual([1001n, 1002n, 0n, 0n]);
    expect(taskSlots(ALL_TASKS)).toEqual([1n, 0n, 0n, 0n]);
  });

  it("gives every change of term, the leaf's own index included, another leaf", () => {
    const leaf = mandateLeaf(terms);
    const changed: Partial<MandateTerms>[] = [
      { agentCommitment: 12346n },
      { enterprise: enterpriseFields(PUBLISHED[1]) },
      { role: "license_manager" },
      { tasks: ["invoicing", "tax_filing"] },
      { tasks: ALL_TASKS },
      { validFrom: "2026-06-02" },
      { validUntil: "2026-12-30" },
      { index: 18 },
    ];
    const leaves = changed.map((change) => mandateLeaf({ ...terms, ...change }));
    expect(new Set([leaf, ...leaves]).size).toBe(changed.length + 1);
    expect(mandateLeaf({ ...terms, tasks: ["tax_filing", "invoicing", "social_insurance", "annual_report"] })).not.toBe(leaf);
  });

  it.each([
    ["no task", { tasks: [] }, /covers "all" or 1 to 4 tasks, received 0/],
    ["five tasks", { tasks: ["tax_filing", "invoicing", "social_insurance", "annual_report", "contract_signing"] }, /covers "all" or 1 to 4 tasks, received 5/],
    ["a task named twice", { tasks: ["tax_filing", "tax_filing"] }, /names each task once, received tax_filing, tax_filing/],
    ["an unknown task", { tasks: ["bribery"] }, /unknown business task "bribery"/],
    ["an unknown role", { role: "director" }, /role must be one of legal_representative, license_manager, agent, received "director"/],
    ["validFrom after validUntil", { validFrom: "2027-01-01" }, /validFrom 2027-01-01 is after validUntil 2026-12-31/],
    ["an impossible date", { validUntil: "2026-02-29" }, /validUntil is not a real date: 2026-02-29/],
  ])("refuses %s, naming it", (_, change, message) => {
    expect(() => mandateLeaf({ ...terms, ...change } as MandateTerms)).toThrow(message);
  });
});

// Unified social credit codes (GB 32100-2015), the identifiers of enterprises (issue 14):
// published codes of real enterprises are accepted; every single-character change and
// every wrong check character is refused with a message that says which check failed.
import { describe, expect, it } from "vitest";
import { parseCreditCode, withCreditCodeCheck } from "../src/business/credit-code.js";

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

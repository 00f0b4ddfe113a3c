import { describe, expect, it } from "vitest";
import { ATTRIBUTE_MAX, decodeAttributes, encodeAttributes } from "../src/attributes/attributes.js";
import { dayNumber, dayYearsBefore, isoDateOfDay } from "../src/attributes/calendar.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { ADULT, TODAY } from "./helpers/fixtures.js";

describe("attribute encoding", () => {
  it("encodes dates as days since 1900-01-01 and round-trips", () => {
    expect(dayNumber("d", "1900-01-01")).toBe(0);
    expect(dayNumber("d", "1970-01-01")).toBe(25567);
    expect(isoDateOfDay(dayNumber("d", "2024-02-29"))).toBe("2024-02-29");
    const encoded = encodeAttributes(ADULT, TODAY);
    expect(encoded).toEqual([BigInt(dayNumber("d", ADULT.birthDate)), 110105n, BigInt(dayNumber("d", ADULT.expiry)), 1n]);
    expect(decodeAttributes(encoded)).toEqual(ADULT);
  });

  it.each([
    ["a birth date in the future", { birthDate: "2026-06-16" }, /in the future/],
    ["an impossible date", { birthDate: "2023-02-29" }, /not a real date/],
    ["a badly written date", { birthDate: "14/03/1990" }, /YYYY-MM-DD/],
    ["a date before 1900", { birthDate: "1899-12-31" }, /before 1900/],
    ["an unknown region", { region: "990101" }, /unknown region code 990101/],
    ["a short region", { region: "1101" }, /6-digit/],
    ["a numeric region", { region: 110105 }, /6-digit/],
    ["an unknown document type", { documentType: "library_card" }, /documentType must be one of/],
    ["an expiry before birth", { expiry: "1980-01-01" }, /not after birthDate/],
  ])("rejects %s", (_, change, message) => {
    expect(() => encodeAttributes({ ...ADULT, ...change } as never, TODAY)).toThrow(message);
  });
});

describe("predicate bounds", () => {
  it("leaves unasked slots at the full 64-bit range", () => {
    expect(predicateBounds({}, TODAY)).toEqual({ lo: [0n, 0n, 0n, 0n], hi: [ATTRIBUTE_MAX, ATTRIBUTE_MAX, ATTRIBUTE_MAX, ATTRIBUTE_MAX] });
  });

  it("turns age, expiry, region prefix and document type into ranges", () => {
    const bounds = predicateBounds({ minAge: 18, notExpired: true, regionPrefix: "11", documentType: "passport" }, TODAY);
    expect(bounds.hi[0]).toBe(BigInt(dayNumber("d", "2008-06-15")));
    expect(bounds.lo[2]).toBe(BigInt(dayNumber("d", TODAY)));
    expect([bounds.lo[1], bounds.hi[1]]).toEqual([110000n, 119999n]);
    expect([bounds.lo[3], bounds.hi[3]]).toEqual([2n, 2n]);
  });

  it("counts someone born on 29 February as 18 from 1 March in a common year", () => {
    const born = BigInt(dayNumber("d", "2008-02-29"));
    expect(born <= predicateBounds({ minAge: 18 }, "2026-02-28").hi[0]).toBe(false);
    expect(born <= predicateBounds({ minAge: 18 }, "2026-03-01").hi[0]).toBe(true);
    expect(dayYearsBefore("d", "2028-02-29", 18)).toBe(dayNumber("d", "2010-02-28"));
  });

  it("bounds the maximum age: 65 until the day before the 66th birthday", () => {
    const { lo } = predicateBounds({ maxAge: 65 }, TODAY);
    expect(lo[0]).toBe(BigInt(dayNumber("d", "1960-06-16")));
  });

  it.each([
    [{ minAge: -1 }, /minAge/],
    [{ minAge: 17.5 }, /minAge/],
    [{ regionPrefix: "1a" }, /regionPrefix/],
    [{ minAge: 30, maxAge: 20 }, /can never hold/],
  ])("rejects %o", (predicates, message) => {
    expect(() => predicateBounds(predicates as never, TODAY)).toThrow(message);
  });
});

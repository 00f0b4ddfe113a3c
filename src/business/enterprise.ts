import { poseidon3 } from "poseidon-lite/poseidon3";
import { RealDidError } from "../errors.js";
import { CREDIT_CODE_ALPHABET, parseCreditCode } from "./credit-code.js";

const BASE = BigInt(CREDIT_CODE_ALPHABET.length);
const CODE_LENGTH = 18;

/** An enterprise as the circuit sees it: its credit code and the two attributes sites may put predicates on. Platform-neutral. */
export interface EnterpriseFields {
  /** The credit code as a base-31 number over its alphabet (< 31^18 < 2^90): lossless, so a revealed value reads back as the code. */
  readonly code: bigint;
  /** The 6-digit administrative division of registration (characters 3-8 of the code). */
  readonly region: bigint;
  /** Registration authority a and organisation type t (characters 1-2) as 31·a + t: one authority's types are one range. */
  readonly type: bigint;
}

const digit = (character: string): bigint => BigInt(CREDIT_CODE_ALPHABET.indexOf(character));

/** "91" (authority 9, type 1) → 31·9 + 1 = 280. Both characters must be credit-code characters. */
export function encodeOrganisationType(authorityAndType: string): bigint {
  if (typeof authorityAndType !== "string" || authorityAndType.length !== 2 || [...authorityAndType].some((c) => !CREDIT_CODE_ALPHABET.includes(c))) {
    throw new RealDidError("invalid_argument", `an organisation type is the credit code's first two characters (authority and type, e.g. "91"), received ${JSON.stringify(authorityAndType)}`);
  }
  return digit(authorityAndType[0]) * BASE + digit(authorityAndType[1]);
}

/** The inclusive range of encoded types of one registration authority ("9": every type registered by market regulation). */
export function authorityTypeRange(authority: string): [bigint, bigint] {
  const low = encodeOrganisationType(`${authority}0`);
  return [low, low + BASE - 1n];
}

/** Validates a credit code (check character included) and encodes it for the circuit. */
export function enterpriseFields(creditCode: string): EnterpriseFields {
  const parts = parseCreditCode(creditCode);
  const code = [...parts.code].reduce((value, character) => value * BASE + digit(character), 0n);
  return { code, region: BigInt(parts.region), type: encodeOrganisationType(parts.code.slice(0, 2)) };
}

/** The credit code a revealed value stands for; refuses a value that is not a valid code. */
export function creditCodeOfValue(value: bigint): string {
  if (value < 0n || value >= BASE ** BigInt(CODE_LENGTH)) throw new RealDidError("invalid_argument", `${value} is not a credit code's value`);
  let rest = value;
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) {
    code = CREDIT_CODE_ALPHABET[Number(rest % BASE)] + code;
    rest /= BASE;
  }
  return parseCreditCode(code).code;
}

/**
 * The enterprise's registry leaf: Poseidon3(code, region, type). It marks the enterprise as
 * enrolled and in good standing (emptied when it is struck off); what a person proves is a
 * mandate leaf, which carries these fields itself (see mandate.ts).
 */
export const enterpriseLeaf = (fields: EnterpriseFields): bigint => poseidon3([fields.code, fields.region, fields.type]);

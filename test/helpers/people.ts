import type { PersonAttributes } from "../../src/attributes/attributes.js";
import { SHARD_SLOTS, ShardSizes } from "../../src/registry/province-shards.js";
import { Identity } from "../../src/identity/identity.js";
import { withCheckCharacter } from "../../src/registrar/national-id.js";
import type { EnrollmentRequest } from "../../src/registrar/registrar.js";

/** A valid real-name record for person number `n`: ID number consistent with the birth date. */
export function personRecord(n: number, overrides: Partial<PersonAttributes> = {}) {
  const birthDate = overrides.birthDate ?? `19${70 + (n % 30)}-0${1 + (n % 9)}-1${n % 10}`;
  // Unique for every n: 90 birth dates x 1000 serial numbers per issuing area.
  const area = 110101 + Math.floor(n / 90_000);
  const nationalId = withCheckCharacter(`${area}${birthDate.replaceAll("-", "")}${String(Math.floor(n / 90) % 1000).padStart(3, "0")}`);
  const attributes: PersonAttributes = { birthDate, region: "110105", expiry: "2031-01-01", documentType: "national_id_card", ...overrides };
  return { name: `Person ${n}`, nationalId, attributes };
}

export function enrollmentRequests(count: number, start = 0): { requests: EnrollmentRequest[]; identities: Identity[] } {
  const identities = Array.from({ length: count }, () => Identity.random());
  return { identities, requests: identities.map((identity, i) => ({ record: personRecord(start + i), commitment: identity.commitment })) };
}

/** Named people for the CLI flows: valid ID numbers that match their birth dates. */
export const NAMED_PEOPLE = [
  { name: "Li Wei", nationalId: withCheckCharacter("11010519900314002"), birthDate: "1990-03-14", region: "110105", expiry: "2031-05-01", documentType: "national_id_card" },
  { name: "Zhang Min", nationalId: withCheckCharacter("31010120120701003"), birthDate: "2012-07-01", region: "310101", expiry: "2030-01-01", documentType: "national_id_card" },
  { name: "Wang Fang", nationalId: withCheckCharacter("44030519851130004"), birthDate: "1985-11-30", region: "440305", expiry: "2029-09-09", documentType: "passport" },
  { name: "Chen Jing", nationalId: withCheckCharacter("11010819880808001"), birthDate: "1988-08-08", region: "110108", expiry: "2032-02-02", documentType: "passport" },
];

/**
 * The leaf slots NAMED_PEOPLE get when enrolled in this order into an empty registry: each
 * the next slot of their province's shard (Li Wei 0 and Chen Jing 1 in Beijing's, Zhang
 * Min in Shanghai's, Wang Fang in Guangdong's).
 */
export const NAMED_SLOTS: readonly number[] = (() => {
  const shards = new ShardSizes(Array(SHARD_SLOTS).fill(0));
  return NAMED_PEOPLE.map(({ region }) => shards.reserve(region, 1));
})();

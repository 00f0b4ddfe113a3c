import { type EncodedAttributes, encodeAttributes, type PersonAttributes } from "../../src/attributes/attributes.js";
import { Identity } from "../../src/identity/identity.js";
import { credentialLeaf } from "../../src/registry/credential.js";

/** Tests run on a fixed day so age and expiry boundaries are exact. */
export const TODAY = "2026-06-15";

export const ADULT: PersonAttributes = { birthDate: "1990-03-14", region: "110105", expiry: "2030-01-01", documentType: "national_id_card" };

export interface Citizen {
  identity: Identity;
  attributes: EncodedAttributes;
  leaf: bigint;
}

export function makeCitizen(attributes: PersonAttributes = ADULT): Citizen {
  const identity = Identity.random();
  const encoded = encodeAttributes(attributes, TODAY);
  return { identity, attributes: encoded, leaf: credentialLeaf(identity.commitment, encoded) };
}

export const randomField = (bits = 250): bigint => {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8)));
  return BigInt("0x" + Buffer.from(bytes).toString("hex")) >> BigInt(bytes.length * 8 - bits);
};

import { SNARK_FIELD } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { ed25519KeyOfMultibase, ed25519Multibase } from "./ed25519-multikey.js";

/**
 * DID URIs of the did:realdid method (docs/did-realdid.md), three kinds:
 * - `did:realdid:pairwise:<64 hex>` names a person at one scope: the DID address
 *   (Poseidon2(scope, secret)) the proof's public signals carry, so a site, the OpenID
 *   Provider and the wallet all derive it from the proof alone;
 * - `did:realdid:registrar:<multikey>` names a registrar by its ledger-signing Ed25519 key;
 * - `did:realdid:verifier:<multikey>` names a verifier service by its receipt-signing key.
 * All three are self-certifying: resolution needs no registry and no network.
 */
export const DID_METHOD_PREFIX = "did:realdid:";
const PAIRWISE_PREFIX = `${DID_METHOD_PREFIX}pairwise:`;
const PAIRWISE = /^did:realdid:pairwise:([0-9a-f]{64})$/;
const KEYED = /^did:realdid:(registrar|verifier):(z[1-9A-HJ-NP-Za-km-z]+)$/;

export type KeyedDidKind = "registrar" | "verifier";
export type RealDid = { kind: "pairwise"; didAddress: bigint } | { kind: KeyedDidKind; publicKey: string };

export const pairwiseDid = (didAddress: bigint): string => PAIRWISE_PREFIX + didAddress.toString(16).padStart(64, "0");

/** The DID address a pairwise DID spells, if it is one: a field element, so that each address has exactly one DID. */
function pairwiseAddress(did: string): bigint | undefined {
  const match = PAIRWISE.exec(did);
  const address = match === null ? undefined : BigInt(`0x${match[1]}`);
  return address !== undefined && address < SNARK_FIELD ? address : undefined;
}

export const isPairwiseDid = (did: string): boolean => pairwiseAddress(did) !== undefined;

/** The DID of a registrar, from its ledger-signing Ed25519 key (64 lowercase hex). */
export const registrarDid = (publicKeyHex: string): string => `${DID_METHOD_PREFIX}registrar:${ed25519Multibase(publicKeyHex)}`;

/** The DID of a verifier service, from its receipt-signing Ed25519 key (64 lowercase hex). */
export const verifierDid = (publicKeyHex: string): string => `${DID_METHOD_PREFIX}verifier:${ed25519Multibase(publicKeyHex)}`;

/** The DID address a pairwise DID names. */
export function parsePairwiseDid(did: string): bigint {
  const address = pairwiseAddress(did);
  if (address === undefined) throw new RealDidError("invalid_argument", `${JSON.stringify(did.slice(0, 100))} is not a pairwise did:realdid (did:realdid:pairwise: and 64 lowercase hex digits, below the BN254 field order)`);
  return address;
}

/** What a did:realdid names; an invalid one, or a DID of another method, is refused with `invalid_did` saying which. */
export function parseRealDid(did: string): RealDid {
  const shown = JSON.stringify(String(did).slice(0, 100));
  if (typeof did !== "string" || !did.startsWith("did:")) throw new RealDidError("invalid_did", `${shown} is not a DID`);
  if (!did.startsWith(DID_METHOD_PREFIX)) throw new RealDidError("invalid_did", `${shown} is a DID of method ${JSON.stringify(did.split(":")[1] ?? "")}, not realdid`);
  const didAddress = pairwiseAddress(did);
  if (didAddress !== undefined) return { kind: "pairwise", didAddress };
  const keyed = KEYED.exec(did);
  const publicKey = keyed === null ? undefined : ed25519KeyOfMultibase(keyed[2]);
  if (keyed === null || publicKey === undefined) {
    throw new RealDidError("invalid_did", `${shown} is not a valid did:realdid (pairwise: and 64 lowercase hex digits below the BN254 field order, or registrar: / verifier: and an Ed25519 Multikey z6Mk…)`);
  }
  return { kind: keyed[1] as KeyedDidKind, publicKey };
}

/** The Ed25519 key of a registrar or verifier DID of the expected kind. */
export function keyOfDid(did: string, kind: KeyedDidKind): string {
  const parsed = parseRealDid(did);
  if (parsed.kind !== kind) throw new RealDidError("invalid_did", `${did} is a ${parsed.kind} DID, not a ${kind} DID`);
  return parsed.publicKey;
}

/** A registrar named by its ledger key (64 lowercase hex) or its DID, as its key. */
export function registrarKeyOf(registrar: string): string {
  if (registrar.startsWith("did:")) return keyOfDid(registrar, "registrar");
  if (!/^[0-9a-f]{64}$/.test(registrar)) throw new RealDidError("invalid_argument", `the registrar key must be 64 lowercase hex characters or a did:realdid:registrar DID, received ${JSON.stringify(registrar.slice(0, 80))}`);
  return registrar;
}

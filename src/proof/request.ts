import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import type { AttributeBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";

/** What a site asks a citizen to prove. The verifier checks the proof against the same. */
export interface ProofRequest {
  /** The site's scope, e.g. "shop.example" or "vote.example/poll-7". */
  readonly scope: string;
  /** The site's challenge (a nonce or message hash), a field element. */
  readonly challenge: bigint;
  /** Inclusive attribute bounds (see predicateBounds). */
  readonly bounds: AttributeBounds;
  /** The regulator key the handle must be escrowed to. */
  readonly regulatorKey: Point;
  /** The key id the site verifies with; a prover with other keys refuses (key_mismatch) before proving. */
  readonly keyId?: string;
}

/** 31 bytes (248 bits) are always below the BN254 field modulus: no reduction bias. */
const toField248 = (bytes: Uint8Array): bigint => BigInt("0x" + bytesToHex(bytes.subarray(0, 31)));

/** SHA-256 of a domain tag and a message (a string counts as its UTF-8 bytes). */
const taggedHash = (tag: string, message: string | Uint8Array): Uint8Array =>
  sha256(concatBytes(utf8ToBytes(tag), typeof message === "string" ? utf8ToBytes(message) : message));

/** The field element for a scope string (domain-separated SHA-256, truncated to 248 bits). */
export const scopeToField = (scope: string): bigint => toField248(taggedHash("realdid/scope/1\0", scope));

/** A fresh random challenge. */
export const randomChallenge = (): bigint => toField248(globalThis.crypto.getRandomValues(new Uint8Array(31)));

/** A challenge that binds a message (e.g. a login request or a vote) into the proof. */
export const challengeForMessage = (message: string | Uint8Array): bigint => toField248(taggedHash("realdid/challenge/1\0", message));

/**
 * The circuit's challenge for a Verifiable Presentation whose `challenge` is this string
 * (a verifier's nonce, or the short code a front desk shows): its own tag, so a
 * presentation never answers a login or a vote with the same text.
 */
export const presentationChallenge = (challenge: string): bigint => toField248(taggedHash("realdid/presentation-challenge/1\0", challenge));

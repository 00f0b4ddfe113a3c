import { z } from "zod";
import { type Predicates, predicateBounds } from "../attributes/predicates.js";
import { pointsEqual } from "../crypto/baby-jubjub.js";
import { type EscrowCiphertext, escrowJson } from "../crypto/escrow.js";
import { isPairwiseDid, pairwiseDid } from "../did/did-uri.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import { base64UrlToBytes, bytesToBase64Url } from "../formats/base64.js";
import { KEY_ID_PATTERN } from "../artifacts/key-id.js";
import { FieldDecimal, IsoTime, PointJson } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { type PredicateClaims, predicateClaims } from "../policy/predicate-claims.js";
import type { ProofResult, RealDidProof } from "../proof/prover.js";
import { parsePublicSignals, PUBLIC_SIGNAL_NAMES, type PublicSignals } from "../proof/public-signals.js";
import { presentationChallenge, scopeToField } from "../proof/request.js";
import { type ProofCheck, type VerificationRequest, verifyProof } from "../proof/verifier.js";
import { type CompactPresentationContext, decodeCompactPresentation, expandCompactPresentation } from "./compact-presentation.js";
import { decodeGroth16Proof, encodeGroth16Proof } from "./point-compression.js";

/**
 * A zero-knowledge Verifiable Presentation (W3C VC Data Model 2.0): the holder is the
 * person's pairwise DID at the verifier's scope, the derived claims are what the proof
 * shows (the predicates that held, the registry root, the escrowed real-name handle), and
 * the proof is a Data Integrity proof of our cryptosuite `realdid-groth16-2026`: the
 * Groth16 proof (multibase base64url of its compressed points) with its public signals.
 * Nothing is signed with a key: the circuit binds the challenge and the domain (the scope),
 * and every claim is checked to equal what the public signals and the verifier's policy
 * give (docs/zk-presentations.md).
 */
export const VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";
export const PRESENTATION_TYPE = ["VerifiablePresentation", "RealDIDPresentation"] as const;
export const CRYPTOSUITE = "realdid-groth16-2026";
/** The verification method: the circuit key set, by its key id (there is no holder key). */
export const CIRCUIT_KEY_URN_PREFIX = "urn:realdid:circuit-key:";
/** Multibase prefix of base64url without padding. */
const MULTIBASE_BASE64URL = "u";

const EscrowJson = z.strictObject({ ephemeral: PointJson, cipher: FieldDecimal });

const ProofSchema = z.strictObject({
  type: z.literal("DataIntegrityProof"),
  cryptosuite: z.literal(CRYPTOSUITE),
  proofPurpose: z.literal("authentication"),
  verificationMethod: z.string().regex(new RegExp(`^${CIRCUIT_KEY_URN_PREFIX}${KEY_ID_PATTERN.source.slice(1)}`), `must be ${CIRCUIT_KEY_URN_PREFIX} and a key id (32 hex characters)`),
  created: IsoTime,
  challenge: z.string().min(1).max(300),
  domain: z.string().min(1).max(300),
  publicSignals: z.array(FieldDecimal).length(PUBLIC_SIGNAL_NAMES.length),
  proofValue: z.string().regex(/^u[A-Za-z0-9_-]+$/, "must be multibase base64url (u…)"),
});

export const PresentationSchema = z.strictObject({
  "@context": z.tuple([z.literal(VC_CONTEXT_V2)]),
  type: z.tuple([z.literal(PRESENTATION_TYPE[0]), z.literal(PRESENTATION_TYPE[1])]),
  holder: z.string().max(200),
  /** What the verifier may read, each checked against the public signals and its policy. */
  realdidClaims: z.strictObject({
    predicates: z.record(z.string(), z.union([z.boolean(), z.string()])),
    registryRoot: FieldDecimal,
    escrow: EscrowJson,
  }),
  proof: ProofSchema,
});
export type Presentation = z.infer<typeof PresentationSchema>;

export interface PresentationOptions {
  /** The verifier's scope: the presentation's `domain`, which the proof was made for. */
  readonly domain: string;
  /** The verifier's challenge string; the proof answered presentationChallenge(challenge). */
  readonly challenge: string;
  /** The predicates the proof's bounds came from (the verifier's policy or request). */
  readonly predicates: Predicates;
  readonly created?: Date;
}

/** The presentation of a proof made for presentationChallenge(challenge) at scope `domain`. */
export function presentationFromProof(result: ProofResult, { domain, challenge, predicates, created = new Date() }: PresentationOptions): Presentation {
  const { signals } = result;
  if (signals.scope !== scopeToField(domain)) throw new RealDidError("invalid_argument", `the proof was not made for the domain "${domain}"`);
  if (signals.challenge !== presentationChallenge(challenge)) throw new RealDidError("invalid_argument", "the proof does not answer this presentation challenge (prove with presentationChallenge(challenge))");
  return {
    "@context": [VC_CONTEXT_V2],
    type: [...PRESENTATION_TYPE],
    holder: pairwiseDid(signals.didAddress),
    realdidClaims: { predicates: predicateClaims(predicates), registryRoot: signals.root.toString(), escrow: escrowJson(signals.escrow) },
    proof: {
      type: "DataIntegrityProof",
      cryptosuite: CRYPTOSUITE,
      proofPurpose: "authentication",
      verificationMethod: CIRCUIT_KEY_URN_PREFIX + result.keyId,
      created: created.toISOString(),
      challenge,
      domain,
      publicSignals: result.publicSignals,
      proofValue: MULTIBASE_BASE64URL + bytesToBase64Url(encodeGroth16Proof(result.proof)),
    },
  };
}

/** What a verifier checks a presentation against: its keys, scope, challenge, policy and ledger. */
export interface PresentationVerification extends Omit<VerificationRequest, "challenge" | "bounds"> {
  /** The challenge string the verifier issued (a nonce, or a desk's short code). */
  readonly challenge: string;
  /** The verifier's policy predicates: its bounds on `day`, and the claims a presentation must make. */
  readonly predicates: Predicates;
  /** The day (YYYY-MM-DD, UTC) the bounds are computed for. */
  readonly day: string;
}

export type PresentationResult =
  | {
      readonly valid: true;
      readonly holder: string;
      readonly didAddress: bigint;
      readonly root: bigint;
      readonly escrow: EscrowCiphertext;
      readonly claims: PredicateClaims;
    }
  | { readonly valid: false; readonly code: ErrorCode; readonly message: string };

const failure = (code: ErrorCode, message: string): PresentationResult => ({ valid: false, code, message });

/** A RealDidError thrown while reading a presentation is the presentation's failure; anything else is ours. */
function asFailure(error: unknown): PresentationResult {
  if (error instanceof RealDidError) return failure(error.code, error.message);
  throw error;
}

/** The request verifyProof checks the proof against, from the verifier's side. */
const verificationRequest = (context: PresentationVerification): VerificationRequest => ({
  ...context,
  challenge: presentationChallenge(context.challenge),
  bounds: predicateBounds(context.predicates, context.day),
});

/** The claims must be exactly what the signals and the verifier's policy give: a claim the proof does not carry is not read. */
function claimsMismatch(presentation: Presentation, signals: PublicSignals, predicates: Predicates): string | undefined {
  const claims = presentation.realdidClaims;
  if (BigInt(claims.registryRoot) !== signals.root) return "realdidClaims.registryRoot is not the proof's registry root";
  const escrow = { ephemeral: { x: BigInt(claims.escrow.ephemeral.x), y: BigInt(claims.escrow.ephemeral.y) }, cipher: BigInt(claims.escrow.cipher) };
  if (!pointsEqual(escrow.ephemeral, signals.escrow.ephemeral) || escrow.cipher !== signals.escrow.cipher) return "realdidClaims.escrow is not the proof's escrow";
  const expected = predicateClaims(predicates);
  const keys = new Set([...Object.keys(expected), ...Object.keys(claims.predicates)]);
  for (const key of keys) {
    if (claims.predicates[key] !== expected[key]) return `realdidClaims.predicates.${key} is not what this verifier's policy proves (${JSON.stringify(expected[key] ?? null)})`;
  }
  return undefined;
}

/**
 * Checks a presentation as /v1/verify checks a proof (verifyProof: key id, scope, challenge,
 * regulator key, bounds, root window, Groth16 with the G2 subgroup check), and its own parts
 * first: the cryptosuite (unknown_cryptosuite), the form (malformed_presentation, naming the
 * field), the domain and challenge, the holder (the pairwise DID of the proof's DID address)
 * and the claims. Never throws for a bad presentation: the result names what failed.
 */
export async function verifyPresentation(candidate: unknown, context: PresentationVerification, check: ProofCheck): Promise<PresentationResult> {
  const cryptosuite = (candidate as { proof?: { cryptosuite?: unknown } } | null)?.proof?.cryptosuite;
  if (cryptosuite !== undefined && cryptosuite !== CRYPTOSUITE) {
    return failure("unknown_cryptosuite", `the presentation's cryptosuite ${JSON.stringify(cryptosuite).slice(0, 80)} is not ${CRYPTOSUITE}`);
  }
  let presentation: Presentation;
  let signals: PublicSignals;
  let proof: RealDidProof;
  try {
    presentation = parseDocument(PresentationSchema, candidate, "presentation", "malformed_presentation");
    signals = parsePublicSignals(presentation.proof.publicSignals);
    const bytes = base64UrlToBytes(presentation.proof.proofValue.slice(MULTIBASE_BASE64URL.length));
    if (bytes === undefined) throw new RealDidError("malformed_presentation", "presentation: field 'proof.proofValue' is not base64url");
    proof = {
      keyId: presentation.proof.verificationMethod.slice(CIRCUIT_KEY_URN_PREFIX.length),
      scope: presentation.proof.domain,
      proof: decodeGroth16Proof(bytes, "proof.proofValue: "),
      publicSignals: presentation.proof.publicSignals,
    };
  } catch (error) {
    return asFailure(error);
  }
  const { holder, proof: dataIntegrity } = presentation;
  if (dataIntegrity.domain !== context.scope) return failure("scope_mismatch", `the presentation's domain "${dataIntegrity.domain}" is not this verifier's scope "${context.scope}"`);
  if (dataIntegrity.challenge !== context.challenge) return failure("challenge_mismatch", "the presentation answers another challenge");
  if (!isPairwiseDid(holder)) {
    const method = /^did:([a-z0-9]+):/.exec(holder)?.[1];
    return failure("holder_mismatch", `the holder ${JSON.stringify(holder.slice(0, 80))} is not a pairwise did:realdid${method !== undefined && method !== "realdid" ? ` (its method is ${method})` : ""}`);
  }
  if (holder !== pairwiseDid(signals.didAddress)) return failure("holder_mismatch", "the holder is not the pairwise DID of the proof's DID address");
  const mismatch = claimsMismatch(presentation, signals, context.predicates);
  if (mismatch !== undefined) return failure("claims_mismatch", mismatch);
  const outcome = await verifyProof(proof, verificationRequest(context), check);
  if (!outcome.valid) return outcome;
  return { valid: true, holder, didAddress: outcome.didAddress, root: outcome.root, escrow: outcome.escrow, claims: predicateClaims(context.predicates) };
}

/**
 * Checks a compact presentation (realdid-qr/1) as verifyPresentation checks the full one:
 * the bytes carry no scope, challenge, bounds or regulator key, so this verifier's own are
 * put in (each regulator key it accepts is tried) and a presentation made for others fails
 * the Groth16 check.
 */
export async function verifyCompactPresentation(bytes: Uint8Array, context: PresentationVerification, check: ProofCheck): Promise<PresentationResult> {
  const request = verificationRequest(context);
  let compact;
  try {
    compact = decodeCompactPresentation(bytes);
  } catch (error) {
    return asFailure(error);
  }
  let first: PresentationResult | undefined;
  for (const regulatorKey of [context.regulatorKey, ...(context.acceptedRegulatorKeys ?? [])]) {
    const compactContext: CompactPresentationContext = { keyId: context.keyId, scope: context.scope, challenge: context.challenge, bounds: request.bounds, regulatorKey };
    let document;
    try {
      document = expandCompactPresentation(compact, compactContext).document;
    } catch (error) {
      return asFailure(error); // another key set's presentation
    }
    const outcome = await verifyProof(document, { ...request, regulatorKey, acceptedRegulatorKeys: [] }, check);
    if (outcome.valid) {
      return { valid: true, holder: pairwiseDid(outcome.didAddress), didAddress: outcome.didAddress, root: outcome.root, escrow: outcome.escrow, claims: predicateClaims(context.predicates) };
    }
    first ??= outcome;
  }
  return first!;
}

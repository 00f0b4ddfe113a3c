import { z } from "zod";
import { parseDocument, parseJsonDocument } from "../formats/schema.js";
import { ProofDocumentSchema } from "../proof/proof-document.js";
import { RequestDocumentSchema } from "../proof/request-document.js";

/**
 * The hand-off between the OpenID Provider (the verifier service) and the citizen's wallet
 * (docs/login-protocol.md). The provider sends the browser to the wallet with the address
 * of the login request in the URL fragment (`<wallet>#login=<encoded request URL>`: a
 * fragment never reaches the wallet's server); the wallet fetches the request from the
 * provider itself (so what it shows, the client's name and origin, cannot be edited in the
 * link) and answers with a top-level form POST of a login answer (field `answer`) to the
 * request's `returnUrl`. The request carries the site's request document with its
 * challenge, so the proof is bound to this login and no other.
 */
export const LOGIN_REQUEST_FORMAT = "realdid-login-request/1";
export const LOGIN_ANSWER_FORMAT = "realdid-login-answer/1";

const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048);

export const LoginRequestSchema = z.strictObject({
  format: z.literal(LOGIN_REQUEST_FORMAT),
  /** What the site asks, with the challenge the provider issued for this login. */
  request: RequestDocumentSchema.refine((request) => request.challenge !== undefined && request.expiresAt !== undefined && request.site !== undefined, "must carry the site, its challenge and when it expires"),
  /** The website the person is logging into, as its OpenID client is registered. */
  client: z.strictObject({ name: z.string().min(1).max(100), uri: HttpUrl }),
  /** Where the wallet posts its answer: the provider's endpoint for this login. */
  returnUrl: HttpUrl,
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** Why a person did not prove; the provider ends the login with access_denied and this reason. */
export const DECLINE_CODES = ["user_declined", "predicate_unsatisfied", "credential_problem"] as const;

/** A login answer: the proof, or why the person did not prove (exactly one of the two). */
export const LoginAnswerSchema = z
  .strictObject({
    format: z.literal(LOGIN_ANSWER_FORMAT),
    proof: ProofDocumentSchema.optional(),
    declined: z.strictObject({ code: z.enum(DECLINE_CODES), message: z.string().max(500) }).optional(),
  })
  .refine((answer) => (answer.proof === undefined) !== (answer.declined === undefined), "must hold exactly one of 'proof' and 'declined'");
export type LoginAnswer = z.infer<typeof LoginAnswerSchema>;

/** A login request the wallet fetched from the provider (JSON already parsed). */
export const parseLoginRequest = (value: unknown): LoginRequest => parseDocument(LoginRequestSchema, value, "the login request");

export const parseLoginAnswer = (json: string): LoginAnswer => parseJsonDocument(LoginAnswerSchema, json, "the login answer");

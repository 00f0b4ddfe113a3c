import { type ErrorCode, RealDidError } from "../errors.js";
import { isStoreUnavailable } from "./store-errors.js";

export type ServiceErrorCode =
  | ErrorCode
  | "malformed_request"
  | "unauthorized"
  | "payload_too_large"
  | "unknown_site"
  | "unknown_action"
  | "challenge_unknown"
  | "challenge_used"
  | "challenge_expired"
  | "nullifier_used"
  | "message_proofs_disabled"
  | "not_found"
  | "rate_limited"
  | "challenges_exhausted"
  | "internal_error";

const STATUS: Partial<Record<ServiceErrorCode, number>> = {
  malformed_request: 400,
  payload_too_large: 413,
  unauthorized: 401,
  unknown_site: 404,
  unknown_action: 404,
  challenge_unknown: 404,
  not_found: 404,
  challenge_used: 409,
  nullifier_used: 409,
  challenge_expired: 410,
  message_proofs_disabled: 403,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 503,
  challenges_exhausted: 503,
  verifier_busy: 503,
};

/** A refusal with a stable code; the HTTP API turns it into {error: {code, message}}, the OpenID Provider into words. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    /** Sent as Retry-After: when asking again may work. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code] ?? 422; // proof-level refusals: the request was well formed, the proof was not acceptable
  }
}

export const malformed = (message: string) => new ServiceError("malformed_request", message);
/** A failing database: the client may retry in a few seconds (the store reconnects by itself). */
const STORE_RETRY_SECONDS = 5;
/** Saturated or replacing a worker: proofs drain in well under a second. */
const VERIFIER_RETRY_SECONDS = 1;
const storeUnavailable = (message: string) => new ServiceError("store_unavailable", message, STORE_RETRY_SECONDS);
/** A client's value quoted in an error message, cut to SHOWN_CHARS (a path segment can be as long as the URL). */
const SHOWN_CHARS = 64;
export const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
};

/** The client's mistakes that body-parser reports: a body that does not decompress, an unsupported encoding, an aborted upload. */
function bodyParserMistake(error: any): string | undefined {
  if (typeof error?.code === "string" && /^(Z_|ERR__ERROR|ERR_BROTLI)/.test(error.code)) return `the body does not decompress as its Content-Encoding says (${error.message})`;
  if (error?.type === "encoding.unsupported") return String(error.message);
  if (error?.type === "request.aborted") return "the request was aborted before its body was complete";
  return undefined;
}

/** The refusal an error is answered with; undefined for an internal error (a bug). */
export function refusalFor(error: any, bodyLimitBytes: number): ServiceError | undefined {
  if (error instanceof ServiceError) return error;
  if (error instanceof RealDidError && error.code === "store_unavailable") return storeUnavailable(error.message);
  if (error instanceof RealDidError && error.code === "verifier_busy") return new ServiceError("verifier_busy", error.message, VERIFIER_RETRY_SECONDS);
  if (isStoreUnavailable(error)) return storeUnavailable(`the database is unavailable: ${error.message}`); // a rate limiter's own query
  if (error?.type === "entity.too.large") return new ServiceError("payload_too_large", `the body is larger than ${bodyLimitBytes} bytes`);
  if (error?.type === "entity.parse.failed") return malformed("the body is not valid JSON");
  if (bodyParserMistake(error) !== undefined) return malformed(bodyParserMistake(error)!);
  if (error?.status >= 400 && error?.status < 500) return malformed(String(error.message)); // a bad %-escape in the path, or another client mistake express reports
  return undefined;
}

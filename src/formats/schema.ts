import type { z } from "zod";
import { type ErrorCode, RealDidError } from "../errors.js";

/** "bounds.lo[2]" for a zod issue path. */
const fieldName = (path: readonly PropertyKey[]): string =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");

/**
 * Parses a document that crossed a party boundary against its schema (the single source
 * of its type and its checks); the error names the document and the first bad field.
 */
export function parseDocument<S extends z.ZodType>(schema: S, value: unknown, what: string, code: ErrorCode = "invalid_argument"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length > 0 ? ` field '${fieldName(issue.path)}'` : "";
  throw new RealDidError(code, `${what}:${where} ${issue.message}`);
}

/** A document that arrives as JSON text: text that is not JSON is named as such, then the schema checks it. */
export function parseJsonDocument<S extends z.ZodType>(schema: S, json: string, what: string, code: ErrorCode = "invalid_argument"): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new RealDidError(code, `${what} is not valid JSON`);
  }
  return parseDocument(schema, value, what, code);
}

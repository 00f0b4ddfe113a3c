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

import { RealDidError } from "../errors.js";

/** Node's network errors: the database is not reachable (stopped, restarting, cut off). */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** SQLSTATEs that say "not now" rather than "wrong query" (see isStoreUnavailable). */
const TRANSIENT_SQLSTATES = new Set(["25006", "25P03", "40001", "40P01", "55P03", "57014", "57P04", "57P05"]);

/**
 * Whether `error` says the database is unavailable rather than that the query is wrong:
 * PostgreSQL's connection exceptions (SQLSTATE 08…), operator intervention (57P01
 * terminated, 57P02 crash, 57P03 starting up, 57P04 database dropped, 57P05 idle session
 * timeout, 57014 statement timeout), insufficient resources (53…), a read-only server
 * after a failover (25006), serialization failures and deadlocks (40001, 40P01), a lock
 * not available (55P03), an idle-in-transaction timeout (25P03), pg's own
 * "Connection terminated"/connect timeouts, and SQLite's busy, locked, I/O and full errors.
 * Anything else (a bug in a query) stays an internal error.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  return (
    NETWORK_CODES.has(code) ||
    /^(08|53)/.test(code) ||
    /^57P0[123]$/.test(code) ||
    TRANSIENT_SQLSTATES.has(code) ||
    /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/.test(message)
  );
}

/** The same error as a store_unavailable RealDidError when the database is unavailable; otherwise itself. */
export function storeError(error: unknown, what: string): unknown {
  if (error instanceof RealDidError || !isStoreUnavailable(error)) return error;
  return new RealDidError("store_unavailable", `the database is unavailable (${what}): ${(error as Error).message}`);
}

/** Runs a store operation, turning an unavailable database into store_unavailable. */
export async function guarded<T>(what: string, operation: () => Promise<T> | T): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeError(error, what);
  }
}

import { RealDidError } from "../errors.js";

/**
 * Dates as circuit integers: whole days since 1900-01-01 (UTC), so every living
 * person's birth date is non-negative and well below 2^32.
 */
const EPOCH_MS = Date.UTC(1900, 0, 1);
const DAY_MS = 86_400_000;

/** Parses "YYYY-MM-DD", rejecting impossible dates such as 2023-02-29. */
function parseIsoDate(name: string, text: unknown): { year: number; month: number; day: number } {
  const match = typeof text === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (!match) throw new RealDidError("invalid_attribute", `${name} must be a date written YYYY-MM-DD, received ${JSON.stringify(text)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RealDidError("invalid_attribute", `${name} is not a real date: ${text}`);
  }
  return { year, month, day };
}

export function dayNumber(name: string, isoDate: unknown): number {
  const { year, month, day } = parseIsoDate(name, isoDate);
  const days = (Date.UTC(year, month - 1, day) - EPOCH_MS) / DAY_MS;
  if (days < 0) throw new RealDidError("invalid_attribute", `${name} is before 1900-01-01: ${isoDate}`);
  return days;
}

export const isoDateOfDay = (days: number): string => new Date(EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10);

/** Today's date in UTC, as YYYY-MM-DD. */
export const todayIso = (): string => new Date().toISOString().slice(0, 10);

/**
 * The day `years` before `isoDate`. A 29 February that does not exist in the target year
 * becomes 28 February, so someone born on 29 February 2008 turns 18 on 1 March 2026.
 */
export function dayYearsBefore(name: string, isoDate: string, years: number): number {
  const { year, month, day } = parseIsoDate(name, isoDate);
  const target = new Date(Date.UTC(year - years, month - 1, day));
  if (target.getUTCMonth() !== month - 1) target.setUTCDate(0);
  return (target.getTime() - EPOCH_MS) / DAY_MS;
}

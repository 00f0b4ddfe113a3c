/** A main circuit: circuits/main/<name>.circom, its published keys in keys/<name>/. Platform-neutral. */
export interface CircuitId {
  readonly name: string;
}
export const REALDID_CIRCUIT: CircuitId = { name: "realdid-32-4" };

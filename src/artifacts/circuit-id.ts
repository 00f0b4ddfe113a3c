/** A main circuit: circuits/main/<name>.circom, its published keys in keys/<name>/. Platform-neutral. */
export interface CircuitId {
  readonly name: string;
}
export const REALDID_CIRCUIT: CircuitId = { name: "realdid-32-4" };
/** The business circuit: a person acting for an enterprise under a mandate (same registry, same height). */
export const BUSINESS_CIRCUIT: CircuitId = { name: "realdid-business-32-4" };
/** Every circuit with a published key set. */
export const PUBLISHED_CIRCUITS: readonly CircuitId[] = [REALDID_CIRCUIT, BUSINESS_CIRCUIT];

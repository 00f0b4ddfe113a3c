import type { Predicates } from "../attributes/predicates.js";

/**
 * The claims a site learns when a proof for its predicates verified: one per predicate
 * that held, and nothing else about the person (OpenID ID tokens carry these beside `sub`).
 * minAge 18 → age_over_18 (age ≥ 18, as ISO mDL's age_over_NN), maxAge 65 → age_at_most_65,
 * notExpired → document_valid, regionPrefix "11" → region_prefix "11", documentType →
 * document_type.
 */
export type PredicateClaims = Record<string, boolean | string>;

export function predicateClaims(predicates: Predicates): PredicateClaims {
  const claims: PredicateClaims = {};
  if (predicates.minAge !== undefined) claims[`age_over_${predicates.minAge}`] = true;
  if (predicates.maxAge !== undefined) claims[`age_at_most_${predicates.maxAge}`] = true;
  if (predicates.notExpired === true) claims.document_valid = true;
  if (predicates.regionPrefix !== undefined) claims.region_prefix = predicates.regionPrefix;
  if (predicates.documentType !== undefined) claims.document_type = predicates.documentType;
  return claims;
}

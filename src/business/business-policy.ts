import { z } from "zod";
import { ATTRIBUTE_MAX } from "../attributes/attributes.js";
import { regionPrefixRange } from "../attributes/predicates.js";
import { RealDidError } from "../errors.js";
import { parseDocument } from "../formats/schema.js";
import type { EnterpriseBounds } from "./business-signals.js";
import type { BusinessTerms } from "./business-circuit-input.js";
import { authorityTypeRange, encodeOrganisationType } from "./enterprise.js";
import { ROLE_NAMES, type Role, TASK_NAMES, type Task } from "./mandate.js";

const CodeCharacter = /^[0-9A-HJ-NPQRTUWXY]$/;

/** What a site asks of the enterprise a person acts for, in words; each becomes a range (EnterpriseBounds). */
export const EnterprisePredicatesSchema = z.strictObject({
  /** The enterprise's administrative division of registration starts with these digits. */
  regionPrefix: z.string().regex(/^\d{1,6}$/, "must be 1 to 6 digits").optional(),
  /** Its registration authority, the credit code's first character ("9": market regulation). */
  authority: z.string().regex(CodeCharacter, "must be one credit-code character").optional(),
  /** Its authority and organisation type, the code's first two characters ("91": an enterprise). */
  organisationType: z.string().length(2).refine((t) => [...t].every((c) => CodeCharacter.test(c)), "must be two credit-code characters").optional(),
});
export type EnterprisePredicates = z.infer<typeof EnterprisePredicatesSchema>;

/**
 * A site's business login: a person proves they act for an enterprise. In a policy file:
 * "business": { "roles": ["legal_representative", "agent"], "task": "tax_filing",
 *               "revealEnterprise": true, "enterprise": { "regionPrefix": "44", "organisationType": "91" } }
 */
export const BusinessPolicySchema = z.strictObject({
  roles: z.array(z.enum(ROLE_NAMES as [Role, ...Role[]])).min(1).refine((roles) => new Set(roles).size === roles.length, "must name each role once"),
  /** The task the mandate must cover; absent or null: any mandate of the enterprise. */
  task: z.enum(TASK_NAMES as [Task, ...Task[]]).nullable().default(null),
  revealEnterprise: z.boolean(),
  enterprise: EnterprisePredicatesSchema.default({}),
});
export type BusinessPolicy = z.infer<typeof BusinessPolicySchema>;

export const parseBusinessPolicy = (value: unknown, what: string): BusinessPolicy => parseDocument(BusinessPolicySchema, value, what, "invalid_argument");

/** The circuit's enterpriseLo/Hi for the predicates; a range nobody asks about is [0, 2^32 - 1]. */
export function enterpriseBounds(predicates: EnterprisePredicates): EnterpriseBounds {
  if (predicates.authority !== undefined && predicates.organisationType !== undefined && predicates.organisationType[0] !== predicates.authority) {
    throw new RealDidError("invalid_argument", `enterprise: organisationType ${predicates.organisationType} is not of authority ${predicates.authority}`);
  }
  const region = predicates.regionPrefix === undefined ? ([0n, ATTRIBUTE_MAX] as const) : regionPrefixRange("enterprise regionPrefix", predicates.regionPrefix);
  const type =
    predicates.organisationType !== undefined
      ? ([encodeOrganisationType(predicates.organisationType), encodeOrganisationType(predicates.organisationType)] as const)
      : predicates.authority !== undefined
        ? authorityTypeRange(predicates.authority)
        : ([0n, ATTRIBUTE_MAX] as const);
  return { region, type };
}

/** What the site's business terms say, in words (a person's consent screen, the CLI). */
export function describeBusiness(policy: BusinessPolicy): string[] {
  const lines = [`acting for an enterprise as ${policy.roles.map((role) => role.replace("_", " ")).join(" or ")}`];
  lines.push(policy.task === null ? "for any task" : `with a mandate for ${policy.task.replace("_", " ")}`);
  lines.push(policy.revealEnterprise ? "the enterprise's credit code is shown to the site" : "the enterprise stays hidden from the site");
  return [...lines, ...describeEnterprise(policy.enterprise)];
}

/** What the enterprise's predicates say, in words (also the OpenID claim of what was proven). */
export function describeEnterprise(predicates: EnterprisePredicates): string[] {
  const lines: string[] = [];
  if (predicates.regionPrefix !== undefined) lines.push(`enterprise registered in region ${predicates.regionPrefix}`);
  if (predicates.organisationType !== undefined) lines.push(`enterprise of type ${predicates.organisationType}`);
  else if (predicates.authority !== undefined) lines.push(`enterprise registered by authority ${predicates.authority}`);
  return lines;
}

/** The terms a business proof answers (and a verifier expects) under `policy` on `today`. */
export const businessTerms = (policy: BusinessPolicy, today: string): BusinessTerms => ({
  today,
  roles: policy.roles,
  task: policy.task,
  revealEnterprise: policy.revealEnterprise,
  enterpriseBounds: enterpriseBounds(policy.enterprise),
});

import { type BusinessProofRequest, businessCircuitInput, checkMandateAnswers } from "../business/business-circuit-input.js";
import { describeBusiness } from "../business/business-policy.js";
import { type MandateCredential, mandateTermsOf, parseMandateCredential } from "../business/mandate-credential.js";
import { ALL_TASKS, rolePseudonym } from "../business/mandate.js";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import type { Identity } from "../identity/identity.js";
import type { LoginRequest } from "../login/login-documents.js";
import type { Predicates } from "../attributes/predicates.js";
import { scopeToField } from "../proof/request.js";
import { businessProofRequestFrom } from "../proof/request-document.js";
import type { Credential } from "../registry/credential.js";
import type { MerkleProof } from "../registry/registry-tree.js";
import { assertMeets, type Consent, type ConsentContext, predicatesInWords, trustedVerifierOf } from "./consent.js";

/** One of the person's mandates as the consent screen offers it. */
export interface MandateChoice {
  readonly mandate: MandateCredential;
  /** The mandate in words: enterprise, role, tasks, last day. */
  readonly summary: string;
  /** The DID the site will see: one per person, enterprise, role and site. */
  readonly did: string;
}

/** What the consent screen shows for a business login: the site, what it learns, the mandates that answer it. */
export interface BusinessConsent extends Omit<Consent, "request" | "did"> {
  readonly request: BusinessProofRequest;
  /** At least one; the person picks one when several fit. */
  readonly choices: readonly MandateChoice[];
}

const words = (name: string) => name.replace(/_/g, " ");

/** "Acme Trading Co., Ltd. (91440300MA5DC12341): agent for tax filing, invoicing, until 2027-06-30". */
export function mandateInWords(mandate: MandateCredential): string {
  const tasks = mandate.tasks === ALL_TASKS ? "every task" : mandate.tasks.map(words).join(", ");
  const until = mandate.validUntil === "9999-12-31" ? "with no end date" : `until ${mandate.validUntil}`;
  return `${mandate.enterprise.name} (${mandate.enterprise.creditCode}): ${words(mandate.role)} for ${tasks}, ${until}`;
}

/**
 * A mandate credential the person imports into the wallet: a realdid-mandate/1 document
 * (its leaf checked against its terms) granted to this identity by this wallet's registrar.
 */
export function checkedMandate(value: unknown, commitment: bigint, registrarKey: string): MandateCredential {
  const mandate = parseMandateCredential(value, "this mandate", commitment);
  if (mandate.registrarKey !== registrarKey) throw new RealDidError("mandate_mismatch", `this mandate was written by registrar ${mandate.registrarKey.slice(0, 10)}…, not by the registrar of your credential`);
  return mandate;
}

/**
 * The consent screen for a business login (the request has a `business` section): the
 * checks of loginConsent, the site's business terms in words, and the person's mandates
 * that answer them. Refused in words before anything is proven when none does, saying for
 * each mandate why (a role the site does not accept, a task it does not cover, out of its dates).
 */
export function businessLoginConsent(login: LoginRequest, context: ConsentContext & { readonly mandates: readonly MandateCredential[] }): BusinessConsent {
  const verifierOrigin = trustedVerifierOf(login, context.trustedVerifiers);
  const request = businessProofRequestFrom(login.request, { regulatorKeys: context.regulatorKeys, now: context.now });
  const personal = predicatesInWords(login.request.predicates as Predicates);
  const business = describeBusiness(login.request.business!);
  const siteName = login.client.name;
  assertMeets(request, context.credential, siteName, personal);
  const scope = scopeToField(login.request.scope);
  const choices: MandateChoice[] = [];
  const reasons: string[] = [];
  for (const mandate of context.mandates) {
    const terms = mandateTermsOf(mandate);
    try {
      checkMandateAnswers(terms, request);
    } catch (error) {
      if (!(error instanceof RealDidError)) throw error;
      reasons.push(`${mandateInWords(mandate)}: ${error.message}`);
      continue;
    }
    choices.push({ mandate, summary: mandateInWords(mandate), did: pairwiseDid(rolePseudonym(scope, context.identity.secret, terms.enterprise.code, terms.role)) });
  }
  if (choices.length === 0) {
    const asked = `${siteName} asks you to act for an enterprise (${business.join("; ")})`;
    throw new RealDidError(
      "predicate_unsatisfied",
      reasons.length === 0 ? `${asked}, and this wallet holds no mandate: import the mandate credential the registrar gave you` : `${asked}, and none of your mandates answers it: ${reasons.join("; ")}`,
    );
  }
  return { siteName, siteUri: login.client.uri, verifierOrigin, scope: login.request.scope, learns: [...business, ...personal], request, choices };
}

/** The business circuit's input for a consented login with the chosen mandate; both paths under one root. */
export const businessLoginCircuitInput = (consent: BusinessConsent, choice: MandateChoice, identity: Identity, credential: Credential, [personPath, mandatePath]: readonly MerkleProof[]) =>
  businessCircuitInput({ identity, credential, merkleProof: personPath, mandate: { terms: mandateTermsOf(choice.mandate), merkleProof: mandatePath }, request: consent.request });

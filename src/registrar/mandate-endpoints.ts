import express, { type Express } from "express";
import type { CircuitArtifacts } from "../artifacts/artifacts.js";
import { representativeCopy } from "../business/mandate-credential.js";
import { parseMandateGrant, parseMandateRevocation, type RegistrarSide, verifyRepresentativeAct } from "../business/mandate-grant.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { RealDidError } from "../errors.js";
import { type ProofDocument, parseProofDocument } from "../proof/proof-document.js";
import type { ProofCheck } from "../proof/verifier.js";
import type { Registrar } from "./registrar.js";

/** What a registrar server needs to take a legal representative's grants and revocations. */
export interface GrantDesk {
  /** The regulator key representatives' proofs escrow to (the one the regulator publishes). */
  readonly regulatorKey: Point;
  /** The business circuit's keys (proofs are checked with its verification key). */
  readonly artifacts: CircuitArtifacts;
  readonly check: ProofCheck;
}

const submission = (body: unknown, field: "grant" | "revocation"): { act: unknown; proof: ProofDocument } => {
  const value = body as Record<string, unknown> | undefined;
  if (typeof value !== "object" || value === null || !(field in value) || !("proof" in value)) throw new RealDidError("invalid_argument", `the body must be {"${field}": …, "proof": …}`);
  return { act: value[field], proof: parseProofDocument(value.proof, "proof") };
};

/**
 * The legal representative's side of the registrar, on a server opened with its keys:
 *   POST /v1/mandates              {grant (realdid-mandate-grant/1), proof}: the mandate is written and
 *                                  its credential (realdid-mandate/1, without the agent's commitment) returned, for the agent
 *   POST /v1/mandates/revocations  {revocation (realdid-mandate-revocation/1), proof}: the mandate's leaf is emptied
 * The proof is the representative's business proof for the act (see mandate-grant.ts); the act
 * and the proof are kept with the change, whose digest the signed ledger entry carries.
 */
export function mountMandateEndpoints(app: Express, registrar: Registrar, desk: GrantDesk): void {
  const side = (): RegistrarSide => ({
    registrarKey: registrar.publicKey,
    regulatorKey: desk.regulatorKey,
    keyId: desk.artifacts.keyId,
    check: desk.check,
    // Only the current root (see verifyRepresentativeAct): a replaced one is "expired" at once.
    rootStatus: (root) => registrar.ledger.rootStatus(root, Date.now(), 0),
    now: new Date(),
  });
  const json = express.json({ limit: "64kb" });
  app.post("/v1/mandates", json, async (req, res, next) => {
    try {
      const { act, proof } = submission(req.body, "grant");
      const grant = parseMandateGrant(act, "grant");
      await registrar.sync(); // the current root is judged on the ledger as the store has it
      const evidence = await verifyRepresentativeAct(grant, proof, side());
      const { format: _, registrarKey: __, requestedAt: ___, ...terms } = grant;
      // The representative's copy, for the agent, without the agent's commitment (see representativeCopy).
      res.status(201).json(representativeCopy(await registrar.grantMandate(terms, evidence)));
    } catch (error) {
      next(error);
    }
  });
  app.post("/v1/mandates/revocations", json, async (req, res, next) => {
    try {
      const { act, proof } = submission(req.body, "revocation");
      const revocation = parseMandateRevocation(act, "revocation");
      await registrar.sync(); // the current root is judged on the ledger as the store has it
      const evidence = await verifyRepresentativeAct(revocation, proof, side());
      const mandate = (await registrar.mandatesOf(revocation.enterpriseCode)).find((m) => m.leafIndex === revocation.mandateIndex && !m.revoked);
      if (!mandate) throw new RealDidError("not_enrolled", `${revocation.enterpriseCode} has no mandate in force at leaf ${revocation.mandateIndex}`);
      // Revoking the representative's own mandate would leave the enterprise without anyone who grants: the registrar's operator changes representatives.
      if (mandate.role === "legal_representative") throw new RealDidError("representative_refused", "the legal representative's mandate is revoked by the registrar's operator, not through this endpoint");
      const entry = await registrar.revokeMandate(revocation.mandateIndex, new Date(), evidence);
      res.json({ revoked: revocation.mandateIndex, ledgerEntry: entry });
    } catch (error) {
      next(error);
    }
  });
}

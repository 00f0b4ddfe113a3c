/**
 * Typed errors with stable codes. The CLI maps a code to a one-line message and an
 * exit status, the HTTP layer to a JSON body and a 4xx status; neither parses messages.
 */
export type ErrorCode =
  // bad arguments, files and data
  | "invalid_argument"
  | "file_not_found"
  | "file_exists"
  | "io_error"
  | "remote_refused"
  // a database the service depends on is unreachable or failing (a retry later may work)
  | "store_unavailable"
  // the verifier service's proof checks are saturated or a worker failed (a retry soon may work)
  | "verifier_busy"
  | "invalid_attribute"
  | "invalid_identity_file"
  | "wrong_passphrase"
  | "leaf_index_out_of_range"
  | "tree_full"
  // citizen backups
  | "not_enough_shares"
  | "backup_tampered"
  // proving
  | "credential_mismatch"
  | "predicate_unsatisfied"
  | "prover_unavailable"
  | "request_expired"
  | "regulator_key_untrusted"
  // proving for an enterprise: the mandate is not the prover's, not in the tree, or does not answer the request
  | "mandate_mismatch"
  | "mandate_not_in_force"
  | "role_not_accepted"
  | "task_not_covered"
  // circuit keys and their ceremony
  | "artifacts_mismatch"
  | "artifacts_missing"
  | "key_mismatch"
  | "ceremony_invalid"
  // verification outcomes
  | "malformed_proof"
  | "invalid_proof"
  | "unknown_root"
  | "root_expired"
  | "scope_mismatch"
  | "challenge_mismatch"
  | "predicate_mismatch"
  | "regulator_key_mismatch"
  | "escrow_degenerate"
  // a business proof's terms (day, roles, task, disclosure) are not the ones asked for
  | "mandate_terms_mismatch"
  // a legal representative's grant or revocation the registrar does not accept
  | "representative_refused"
  // Verifiable Presentations (a presentation's own parts; its proof is checked as above)
  | "malformed_presentation"
  | "unknown_cryptosuite"
  | "holder_mismatch"
  | "claims_mismatch"
  // escrow
  | "invalid_regulator_key"
  // signed logs (root ledger, audit log)
  | "log_malformed"
  | "log_broken_chain"
  | "log_bad_signature"
  | "log_fork"
  | "log_rollback"
  | "log_wrong_key"
  // a change document that is not the one a ledger entry was published with
  | "ledger_change_mismatch"
  // the ledger mirrored on an EVM chain (docs/chain.md)
  | "chain_unavailable"
  | "chain_ledger_mismatch"
  | "chain_refused"
  // regulator
  | "forged_partial"
  | "not_enough_partials"
  | "wrong_regulator_key"
  | "case_not_in_audit_log"
  | "receipt_invalid"
  // regulator key generation without a dealer (DKG)
  | "dkg_invalid"
  | "dkg_failed"
  | "dkg_roster_mismatch"
  | "dkg_transcript_mismatch"
  // registrar
  | "invalid_record"
  | "already_enrolled"
  | "not_enrolled"
  | "registrar_exists"
  | "registrar_missing"
  | "keys_locked"
  | "wrong_key"
  | "keys_rotated"
  | "store_tampered"
  | "bucket_out_of_range"
  | "credential_revoked"
  | "credential_reissued"
  // enterprises and mandates
  | "enterprise_inactive"
  | "invalid_mandate"
  // DIDs and the registrar's verifiable credential
  | "invalid_did"
  | "credential_invalid"
  | "credential_signature_invalid"
  | "credential_issuer_mismatch"
  | "credential_leaf_mismatch";

export class RealDidError extends Error {
  override readonly name = "RealDidError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

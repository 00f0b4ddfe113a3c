import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The service's Prometheus metrics (prom-client, one registry per service so several
 * services in one process stay apart): verifications, verification refusals by code,
 * every refused request by code (malformed JSON included), challenges issued, a
 * verification latency histogram, the ledger replica's length, its pulls and the
 * rollbacks it refused, and database connections that dropped.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly verifications = new Counter({ name: "realdid_verifications_total", help: "Proofs verified as valid.", registers: [this.registry] });
  private readonly verificationFailures = new Counter({ name: "realdid_verification_failures_total", help: "Verification requests refused, by error code.", labelNames: ["code"], registers: [this.registry] });
  private readonly refusals = new Counter({ name: "realdid_request_errors_total", help: "Requests answered with an error, by error code (any endpoint).", labelNames: ["code"], registers: [this.registry] });
  private readonly challenges = new Counter({ name: "realdid_challenges_issued_total", help: "Challenges issued.", registers: [this.registry] });
  /** Verification is ~20 ms warm; queues add to it under load. */
  private readonly latency = new Histogram({ name: "realdid_verification_duration_seconds", help: "Time to answer /v1/verify.", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });

  private readonly ledgerPulls = new Counter({ name: "realdid_ledger_pulls_total", help: "Pulls from the ledger source (polling and unknown roots).", registers: [this.registry] });
  private readonly ledgerRollbacks = new Counter({ name: "realdid_ledger_rollbacks_total", help: "Source answers refused as a rollback (shorter than, or diverging from, the verified ledger).", registers: [this.registry] });
  private readonly connectionErrors = new Counter({ name: "realdid_store_connection_errors_total", help: "Database connections that failed while idle (dropped by the server); replaced on demand.", registers: [this.registry] });

  constructor(ledgerEntries: () => number) {
    new Gauge({
      name: "realdid_ledger_entries",
      help: "Entries in the ledger replica.",
      registers: [this.registry],
      collect() {
        this.set(ledgerEntries());
      },
    });
  }

  challengeIssued(): void {
    this.challenges.inc();
  }

  /** One /v1/verify answer: `code` undefined for a valid proof. */
  verification(seconds: number, code?: string): void {
    if (code === undefined) this.verifications.inc();
    else this.verificationFailures.inc({ code });
    this.latency.observe(seconds);
  }

  /** Any request answered with an error. */
  refused(code: string): void {
    this.refusals.inc({ code });
  }

  ledgerPull(): void {
    this.ledgerPulls.inc();
  }

  ledgerRollback(): void {
    this.ledgerRollbacks.inc();
  }

  storeConnectionError(): void {
    this.connectionErrors.inc();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

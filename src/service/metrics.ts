/** Latency buckets in seconds: verification is ~20 ms warm, queues add to it under load. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The service's Prometheus metrics: verifications, failures by code, challenges issued,
 * and a verification latency histogram. Rendered in the text exposition format.
 */
export class ServiceMetrics {
  private verificationsValid = 0;
  private challengesIssued = 0;
  private readonly failures = new Map<string, number>();
  private readonly bucketCounts = BUCKETS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;

  challengeIssued(): void {
    this.challengesIssued++;
  }

  /** One /v1/verify answer: `code` undefined for a valid proof. */
  verification(seconds: number, code?: string): void {
    if (code === undefined) this.verificationsValid++;
    else this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
    this.latencyCount++;
    this.latencySum += seconds;
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.bucketCounts[i]++;
    });
  }

  render(extra: Record<string, number> = {}): string {
    const lines = [
      "# HELP realdid_verifications_total Proofs verified as valid.",
      "# TYPE realdid_verifications_total counter",
      `realdid_verifications_total ${this.verificationsValid}`,
      "# HELP realdid_verification_failures_total Verification requests refused, by error code.",
      "# TYPE realdid_verification_failures_total counter",
      ...[...this.failures].map(([code, count]) => `realdid_verification_failures_total{code="${code}"} ${count}`),
      "# HELP realdid_challenges_issued_total Challenges issued.",
      "# TYPE realdid_challenges_issued_total counter",
      `realdid_challenges_issued_total ${this.challengesIssued}`,
      "# HELP realdid_verification_duration_seconds Time to answer /v1/verify.",
      "# TYPE realdid_verification_duration_seconds histogram",
      ...BUCKETS.map((bound, i) => `realdid_verification_duration_seconds_bucket{le="${bound}"} ${this.bucketCounts[i]}`),
      `realdid_verification_duration_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `realdid_verification_duration_seconds_sum ${this.latencySum}`,
      `realdid_verification_duration_seconds_count ${this.latencyCount}`,
      ...Object.entries(extra).flatMap(([name, value]) => [`# TYPE ${name} gauge`, `${name} ${value}`]),
    ];
    return lines.join("\n") + "\n";
  }
}

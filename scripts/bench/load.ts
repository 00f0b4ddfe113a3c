/** Result of a closed-loop load test: throughput and latency percentiles. */
export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

/**
 * A closed-loop load generator on loopback: `concurrency` clients each POST `body` to
 * `url` back to back until `requests` have been sent. Bounded in count; stops by itself.
 */
export async function loadTest(url: string, body: string, { requests, concurrency }: { requests: number; concurrency: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let sent = 0;
  let failures = 0;
  const client = async () => {
    while (sent < requests) {
      sent++;
      const t = performance.now();
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      latencies.push(performance.now() - t);
      if (response.status !== 200) failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { requests: latencies.length, perSecond: latencies.length / seconds, p50: percentile(50), p99: percentile(99), failures };
}

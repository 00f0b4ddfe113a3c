/** Median, min and max of repeated runs, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** The median, min and max of samples in milliseconds. */
export function timingOf(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Runs `run` once to warm up, then `runs` times. */
export async function timeRuns(runs: number, run: () => Promise<unknown> | unknown): Promise<Timing> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  return timingOf(samples);
}

/** Like timeRuns for two jobs, alternating them so both see the same machine load. */
export async function timeInterleaved(runs: number, first: () => Promise<unknown>, second: () => Promise<unknown>): Promise<[Timing, Timing]> {
  await first();
  await second();
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, run] of [first, second].entries()) {
      const t = performance.now();
      await run();
      samples[k].push(performance.now() - t);
    }
  }
  return samples.map(timingOf) as [Timing, Timing];
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;
export const timing = (t: Timing) => `${ms(t.median)} (${ms(t.min)}..${ms(t.max)}, n=${t.runs})`;

interface Row {
  measure: string;
  realdid: string;
  peer: string;
  ratio: string;
}

/**
 * One table: each figure, its peer figure (Semaphore v4, or snarkjs one at a time) from
 * the same run, and the ratio (ours / peer, with which direction is better).
 */
export class BenchTable {
  private readonly rows: Row[] = [];

  add(measure: string, realdid: string, peer = "", ratio = ""): void {
    this.rows.push({ measure, realdid, peer, ratio });
  }

  /** A figure against its peer: ratio = ours / peer, with the better direction named. */
  compare(measure: string, ours: number, theirs: number, format: (v: number) => string, better: "lower" | "higher"): void {
    const ratio = ours / theirs;
    this.add(measure, format(ours), format(theirs), `${ratio.toFixed(2)}x (${better} is better)`);
  }

  print(): void {
    console.table(this.rows);
  }
}

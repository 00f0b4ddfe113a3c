/** One table of measurements: medians with min, max and rate, printed once at the end. */
interface Row {
  measure: string;
  median: string;
  min: string;
  max: string;
  runs: number;
  rate: string;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

export class BenchTable {
  private readonly rows: Row[] = [];

  /** Runs `run` once to warm up, then `runs` times, and records median, min, max and rate. */
  async time(measure: string, runs: number, run: () => Promise<unknown> | unknown): Promise<number> {
    await run();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await run();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(runs / 2)];
    this.rows.push({ measure, median: ms(median), min: ms(samples[0]), max: ms(samples[runs - 1]), runs, rate: `${(1000 / median).toFixed(1)}/s` });
    return median;
  }

  /** A single figure (a count, a one-off duration, a load-test result). */
  single(measure: string, value: string, rate = "", runs = 1): void {
    this.rows.push({ measure, median: value, min: "", max: "", runs, rate });
  }

  print(): void {
    console.table(this.rows);
  }
}

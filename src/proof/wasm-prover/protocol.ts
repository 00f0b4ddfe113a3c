/** Messages between pool.ts and worker.ts. */

export type MsmGroup = "g1" | "g2";

export type WorkerRequest =
  | { id: number; type: "init"; module: WebAssembly.Module }
  /** Affine points in ffjavascript's form (a zkey section's), kept as base set number `set` of the reply. */
  | { id: number; type: "load"; group: MsmGroup; points: Uint8Array }
  /**
   * Σ_{j in [from, to)} 2^(window·j)·W_j of Σ scalar_k·base_(indices_k, or k): the windows
   * this worker takes of one MSM. Scalars are 32 bytes little-endian each; with 'subtract'
   * (plain values below r, as the scalars then are), scalar_k - subtract_k mod r.
   */
  | { id: number; type: "msm"; set: number; scalars: Uint8Array; subtract?: Uint8Array; indices?: Uint32Array; window: number; from: number; to: number }
  /**
   * Starts the worker's table of a base set: its share of the bases, every stride-th from
   * offset, and their multiples 2^(window·j) for windows j < windows, filled one window at
   * a time by "table-step" (1, 2, ... windows - 1).
   */
  | { id: number; type: "table-start"; set: number; window: number; windows: number; stride: number; offset: number }
  | { id: number; type: "table-step"; set: number; step: number }
  /** Σ scalar_k·(its share's base k, or indices_k), with the finished table: all windows at once. */
  | { id: number; type: "table-msm"; set: number; scalars: Uint8Array; subtract?: Uint8Array; indices?: Uint32Array }
  /** A zkey's quotient data: its coefficient entries (section 4 without the count), the witness length, the domain and its roots in ffjavascript's form. */
  | { id: number; type: "load-quotient"; coefficients: Uint8Array; nVars: number; domainBits: number; omega: Uint8Array; shift: Uint8Array }
  /** A half of the quotient on the odd coset for a witness (nVars plain values, 32 bytes little-endian each): "ab" is A·B, "c" is C. */
  | { id: number; type: "quotient"; part: "ab" | "c"; witness: Uint8Array };

export type WorkerReply =
  | { id: number; type: "ready" }
  | { id: number; type: "loaded"; set: number }
  /** An affine point in ffjavascript's form, (0, 0) at infinity. */
  | { id: number; type: "point"; point: Uint8Array }
  | { id: number; type: "quotient-loaded" }
  | { id: number; type: "table-filled" }
  /** Plain values, 32 bytes little-endian each. */
  | { id: number; type: "values"; values: Uint8Array }
  | { id: number; type: "error"; message: string };

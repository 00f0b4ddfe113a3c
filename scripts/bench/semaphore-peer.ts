// The peer measured in the same run: Semaphore v4 (depth 20) with the official circuit
// files from the @zk-kit/semaphore-artifacts npm package, passed as local paths.
import { join } from "node:path";
import { Group } from "@semaphore-protocol/group";
import { Identity } from "@semaphore-protocol/identity";
import { generateProof, verifyProof } from "@semaphore-protocol/proof";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { type Timing, timeInterleaved, timeRuns } from "./table.js";

const ARTIFACTS = join(PROJECT_ROOT, "node_modules", "@zk-kit", "semaphore-artifacts");
export const SEMAPHORE_DEPTH = 20;
export const SEMAPHORE_ARTIFACTS = { wasm: join(ARTIFACTS, `semaphore-${SEMAPHORE_DEPTH}.wasm`), zkey: join(ARTIFACTS, `semaphore-${SEMAPHORE_DEPTH}.zkey`) };

export interface SemaphoreFigures {
  /** One more warm Semaphore proof. */
  prove: () => Promise<unknown>;
  firstProofMs: number;
  proof: Timing;
  /** The job run alternately with Semaphore's warm proofs. */
  alongside: Timing;
  verify: Timing;
  /** Members per second when building a group (LeanIMT + poseidon-lite). */
  groupRate: number;
  groupSize: number;
}

/** Semaphore's figures; its warm proofs alternate with `alongside` (realdid's), so both see the same load. */
export async function measureSemaphore(proofRuns: number, groupSize: number, alongside: () => Promise<unknown>): Promise<SemaphoreFigures> {
  const members = Array.from({ length: 100 }, () => new Identity());
  const group = new Group(members.map((m) => m.commitment));
  const prove = () => generateProof(members[7], group, "hello", "bench-scope", SEMAPHORE_DEPTH, SEMAPHORE_ARTIFACTS);
  const firstStart = performance.now();
  const proof = await prove();
  const firstProofMs = performance.now() - firstStart;
  const [proofTiming, alongsideTiming] = await timeInterleaved(proofRuns, prove, alongside);
  const verifyTiming = await timeRuns(20, async () => {
    if (!(await verifyProof(proof))) throw new Error("Semaphore proof did not verify");
  });
  const commitments = Array.from({ length: groupSize }, (_, i) => BigInt(i + 1) * 7919n);
  new Group(commitments.slice(0, 2000)); // warm-up, so the rate is not a cold start's
  const groupStart = performance.now();
  new Group(commitments);
  const groupRate = groupSize / ((performance.now() - groupStart) / 1000);
  return { prove, firstProofMs, proof: proofTiming, alongside: alongsideTiming, verify: verifyTiming, groupRate, groupSize };
}

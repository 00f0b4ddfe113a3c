// The peer measured in the same run: Semaphore v4 (depth 20) with the official circuit
// files from the @zk-kit/semaphore-artifacts npm package, passed as local paths.
import { join } from "node:path";
import { Group } from "@semaphore-protocol/group";
import { Identity } from "@semaphore-protocol/identity";
import { generateProof, verifyProof } from "@semaphore-protocol/proof";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { type Timing, timeRuns } from "./table.js";

const ARTIFACTS = join(PROJECT_ROOT, "node_modules", "@zk-kit", "semaphore-artifacts");
const DEPTH = 20;

export interface SemaphoreFigures {
  firstProofMs: number;
  proof: Timing;
  verify: Timing;
  /** Members per second when building a group (LeanIMT + poseidon-lite). */
  groupRate: number;
  groupSize: number;
}

export async function measureSemaphore(proofRuns: number, groupSize: number): Promise<SemaphoreFigures> {
  const members = Array.from({ length: 100 }, () => new Identity());
  const group = new Group(members.map((m) => m.commitment));
  const artifacts = { wasm: join(ARTIFACTS, `semaphore-${DEPTH}.wasm`), zkey: join(ARTIFACTS, `semaphore-${DEPTH}.zkey`) };
  const prove = () => generateProof(members[7], group, "hello", "bench-scope", DEPTH, artifacts);
  const firstStart = performance.now();
  const proof = await prove();
  const firstProofMs = performance.now() - firstStart;
  const proofTiming = await timeRuns(proofRuns, prove);
  const verifyTiming = await timeRuns(20, async () => {
    if (!(await verifyProof(proof))) throw new Error("Semaphore proof did not verify");
  });
  const commitments = Array.from({ length: groupSize }, (_, i) => BigInt(i + 1) * 7919n);
  new Group(commitments.slice(0, 2000)); // warm-up, so the rate is not a cold start's
  const groupStart = performance.now();
  new Group(commitments);
  const groupRate = groupSize / ((performance.now() - groupStart) / 1000);
  return { firstProofMs, proof: proofTiming, verify: verifyTiming, groupRate, groupSize };
}

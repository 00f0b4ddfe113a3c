import { buildBn128, utils } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { isG2SubgroupPoint } from "./g2-subgroup.mjs";
import type { ProofCheck } from "./verifier.js";

/**
 * snarkjs's verifier in this thread, after the check it leaves out: B in G2's prime-order
 * subgroup, not just on the twist (g2-subgroup.mjs). Its curve is the one snarkjs verifies on.
 */
export const groth16Check =
  (verificationKey: Record<string, unknown>): ProofCheck =>
  async (proof, publicSignals) => {
    const curve = await buildBn128();
    if (!isG2SubgroupPoint(curve, curve.G2.fromObject(utils.unstringifyBigInts(proof.pi_b)))) return false;
    return snarkjs.groth16.verify(verificationKey, publicSignals, proof);
  };

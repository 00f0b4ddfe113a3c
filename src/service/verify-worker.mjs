// A Groth16 verification worker (plain JavaScript, so it runs without a TypeScript loader).
//
// It checks what snarkjs.groth16.verify checks -- public inputs below the field order,
// proof points on their curves, e(-A, B)·e(vk_x, γ)·e(C, δ)·e(α, β) = 1 -- and more
// strictly: public inputs only as verifyProof reads them (public-input.mjs), and B in the
// prime-order subgroup G2, not just on the twist (g2-subgroup.mjs). All of it runs on a
// single-threaded curve (ffjavascript's thread pool cannot start inside a worker), with
// the verification key decoded once. Several proofs are verified together: with random
// 128-bit weights r_i,
//   Π e(-r_i·A_i, B_i) · e(Σ r_i·vk_x_i, γ) · e(Σ r_i·C_i, δ) · e((Σ r_i)·α, β) = 1,
// one Miller loop per proof plus three, and one final exponentiation for the whole batch
// (a bad proof passes only with probability ~2^-128). If the batch fails, it is split in
// halves until each bad proof is found, so the answer per proof is exact.
//
// workerData: { verificationKey }. Posts { ready: true } once set up; then
// messages in: { id, items: [{ proof, publicSignals }] }; out: { id, results: [bool] } or { id, error }.
import { webcrypto } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { buildBn128, Scalar, utils } from "ffjavascript";
import { isG2SubgroupPoint } from "../proof/g2-subgroup.mjs";
import { publicInputValue } from "../proof/public-input.mjs";

const curve = await buildBn128(true);
const { G1, G2, Fr } = curve;
const ORDER = BigInt(curve.r.toString());
const vk = utils.unstringifyBigInts(workerData.verificationKey);
const nPublic = vk.IC.length - 1;
const ic0 = G1.fromObject(vk.IC[0]);
const icRest = new Uint8Array(G1.F.n8 * 2 * nPublic);
vk.IC.slice(1).forEach((point, i) => icRest.set(G1.toAffine(G1.fromObject(point)), i * G1.F.n8 * 2));
const alpha = G1.fromObject(vk.vk_alpha_1);
const beta = G2.fromObject(vk.vk_beta_2);
const gamma = G2.fromObject(vk.vk_gamma_2);
const delta = G2.fromObject(vk.vk_delta_2);

/** Decodes and checks one proof's points and inputs; null if they cannot be valid. */
function prepare({ proof, publicSignals }) {
  try {
    if (!Array.isArray(publicSignals) || publicSignals.length !== nPublic) return null;
    const signals = publicSignals.map(publicInputValue);
    if (signals.includes(null)) return null;
    const { pi_a, pi_b, pi_c } = utils.unstringifyBigInts(proof);
    const a = G1.fromObject(pi_a);
    const b = G2.fromObject(pi_b);
    const c = G1.fromObject(pi_c);
    // G1 has cofactor 1, so on the curve is in the group; the twist holding G2 does not.
    return G1.isValid(a) && G1.isValid(c) && isG2SubgroupPoint(curve, b) ? { a, b, c, signals } : null;
  } catch {
    return null;
  }
}

function weight() {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  return (BigInt("0x" + Buffer.from(bytes).toString("hex")) % (ORDER - 1n)) + 1n;
}

async function vkX(scalars) {
  const buffer = new Uint8Array(Fr.n8 * nPublic);
  scalars.forEach((s, i) => Scalar.toRprLE(buffer, Fr.n8 * i, s, Fr.n8));
  return G1.multiExpAffine(icRest, buffer);
}

/** The pairing check for one prepared proof, unweighted (as snarkjs does it). */
async function holds({ a, b, c, signals }) {
  return curve.pairingEq(G1.neg(a), b, G1.add(await vkX(signals), ic0), gamma, c, delta, alpha, beta);
}

/** The weighted check for several prepared proofs at once. */
async function allHold(batch) {
  if (batch.length === 1) return holds(batch[0]);
  const pairs = [];
  const combined = new Array(nPublic).fill(0n);
  let weightSum = 0n;
  let cSum = G1.zero;
  for (const p of batch) {
    const r = weight();
    weightSum += r;
    p.signals.forEach((s, j) => (combined[j] = (combined[j] + r * s) % ORDER));
    pairs.push(G1.neg(G1.timesScalar(p.a, r)), p.b);
    cSum = G1.add(cSum, G1.timesScalar(p.c, r));
  }
  weightSum %= ORDER;
  const weightedVkX = G1.add(await vkX(combined), G1.timesScalar(ic0, weightSum));
  return curve.pairingEq(...pairs, weightedVkX, gamma, cSum, delta, G1.timesScalar(alpha, weightSum), beta);
}

/** Marks results[i] for the proofs in `batch` (entries { index, p }), bisecting on failure. */
async function settle(batch, results) {
  if (await allHold(batch.map((e) => e.p))) {
    for (const e of batch) results[e.index] = true;
    return;
  }
  if (batch.length === 1) return; // this one is bad
  const half = Math.ceil(batch.length / 2);
  await settle(batch.slice(0, half), results);
  await settle(batch.slice(half), results);
}

parentPort.on("message", async ({ id, items }) => {
  try {
    const results = items.map(() => false);
    const prepared = items.map((item, index) => ({ index, p: prepare(item) })).filter((e) => e.p !== null);
    if (prepared.length > 0) await settle(prepared, results);
    parentPort.postMessage({ id, results });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});

parentPort.postMessage({ ready: true });

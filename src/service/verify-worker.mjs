// A Groth16 verification worker (plain JavaScript, so it runs without a TypeScript loader).
// It checks exactly what snarkjs.groth16.verify checks — public inputs below the field
// order, proof points on their curves, e(-A, B)·e(vk_x, γ)·e(C, δ)·e(α, β) = 1 — but on
// a single-threaded curve (ffjavascript's thread pool cannot start inside a worker) and
// with the verification key's points decoded once, not per proof.
// workerData: { verificationKey }. Posts { ready: true } once set up; then messages in:
// { id, proof, publicSignals }; out: { id, valid } or { id, error }.
import { parentPort, workerData } from "node:worker_threads";
import { buildBn128, Scalar, utils } from "ffjavascript";

const curve = await buildBn128(true);
const { G1, G2, Fr } = curve;
const vk = utils.unstringifyBigInts(workerData.verificationKey);
const ic0 = G1.fromObject(vk.IC[0]);
const icRest = new Uint8Array(G1.F.n8 * 2 * (vk.IC.length - 1));
vk.IC.slice(1).forEach((point, i) => icRest.set(G1.toAffine(G1.fromObject(point)), i * G1.F.n8 * 2));
const alpha = G1.fromObject(vk.vk_alpha_1);
const beta = G2.fromObject(vk.vk_beta_2);
const gamma = G2.fromObject(vk.vk_gamma_2);
const delta = G2.fromObject(vk.vk_delta_2);

async function verify(proof, publicSignals) {
  const signals = utils.unstringifyBigInts(publicSignals);
  if (signals.length !== vk.IC.length - 1) return false;
  if (!signals.every((s) => Scalar.geq(s, 0) && Scalar.lt(s, curve.r))) return false;
  const { pi_a, pi_b, pi_c } = utils.unstringifyBigInts(proof);
  const a = G1.fromObject(pi_a);
  const b = G2.fromObject(pi_b);
  const c = G1.fromObject(pi_c);
  if (!G1.isValid(a) || !G2.isValid(b) || !G1.isValid(c)) return false;
  const scalars = new Uint8Array(Fr.n8 * signals.length);
  signals.forEach((s, i) => Scalar.toRprLE(scalars, Fr.n8 * i, s, Fr.n8));
  const vkX = G1.add(await G1.multiExpAffine(icRest, scalars), ic0);
  return curve.pairingEq(G1.neg(a), b, vkX, gamma, c, delta, alpha, beta);
}

parentPort.on("message", async ({ id, proof, publicSignals }) => {
  try {
    parentPort.postMessage({ id, valid: await verify(proof, publicSignals) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});

parentPort.postMessage({ ready: true });

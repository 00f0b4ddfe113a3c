// Membership of BN254's G2, the order-r subgroup of the twist E'(Fq2): y² = x³ + 3/(9+i),
// for ffjavascript points. Plain JavaScript, so that the verify worker (which runs without
// a TypeScript loader) and the in-thread verifier share it.
//
// ffjavascript's G2.isValid, which snarkjs relies on, checks only the curve equation, but the
// twist has r·h points, h = 10069 · 5864401 · 1875725156269 · (a 178-bit prime): a point of
// order 10069 passes it. [r]Q = 0 decides membership but costs a 254-bit multiplication. Instead, with ψ
// the untwist-Frobenius-twist endomorphism and u the BN254 seed,
//   Q ∈ G2  ⟺  [u+1]Q + ψ([u]Q) + ψ²([u]Q) = ψ³([2u]Q)
// (Dai, Lin, Zhao, Zhou, "Fast subgroup membership testings for G1, G2 and GT on
// pairing-friendly curves", eprint 2022/348, §5.1; gnark-crypto checks BN254 G2 this way):
// one 63-bit multiplication and three ψ, each two Fq2 products.

const U = 4965661367192848881n;

const endomorphisms = new WeakMap();

/** ψ on `curve`'s G2: (x, y) ↦ (x̄·ξ^((q−1)/3), ȳ·ξ^((q−1)/2)) with ξ = 9 + i, the bar being Fq2's conjugation; in Jacobian coordinates also Z ↦ Z̄. */
function endomorphismOf(curve) {
  let psi = endomorphisms.get(curve);
  if (psi) return psi;
  const { G2 } = curve;
  const F2 = G2.F;
  const n8 = F2.F.n8;
  const q = curve.q;
  const xi = F2.fromObject([9n, 1n]);
  const gammaX = F2.exp(xi, (q - 1n) / 3n);
  const gammaY = F2.exp(xi, (q - 1n) / 2n);
  const conjugate = (a) => {
    const c = a.slice();
    c.set(F2.F.neg(a.subarray(n8)), n8);
    return c;
  };
  psi = (point) => {
    const p = G2.toJacobian(point);
    const image = new Uint8Array(6 * n8);
    image.set(F2.mul(conjugate(p.subarray(0, 2 * n8)), gammaX));
    image.set(F2.mul(conjugate(p.subarray(2 * n8, 4 * n8)), gammaY), 2 * n8);
    image.set(conjugate(p.subarray(4 * n8)), 4 * n8);
    return image;
  };
  endomorphisms.set(curve, psi);
  return psi;
}

/** Whether `point` (a G2 point of ffjavascript's `curve`) is on the twist and in its order-r subgroup. */
export function isG2SubgroupPoint(curve, point) {
  const { G2 } = curve;
  if (!G2.isValid(point)) return false;
  const psi = endomorphismOf(curve);
  const uQ = G2.timesScalar(point, U);
  const psiUQ = psi(uQ);
  const psi2UQ = psi(psiUQ);
  const left = G2.add(G2.add(G2.add(uQ, point), psiUQ), psi2UQ);
  return G2.eq(left, G2.double(psi(psi2UQ)));
}

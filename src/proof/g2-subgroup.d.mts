import type { Bn128, CurvePoint } from "ffjavascript";

/** Whether `point` (a G2 point of ffjavascript's `curve`) is on the twist and in its order-r subgroup. */
export function isG2SubgroupPoint(curve: Bn128, point: CurvePoint): boolean;

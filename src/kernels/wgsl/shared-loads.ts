// Loads that every lane of a subgroup needs, made once per subgroup on CPU adapters.
//
// Mesa 25.0's lavapipe turns every storage load inside a loop into a masked gather, also when all lanes read one address
// (a block of weights in conv2d-gemm.ts, a block of gy values in conv2d-grad-weight.ts), and without AVX-512 LLVM
// emits a gather on AMD CPUs as a test, a branch and a scalar load per lane. With a fixed subgroup size S, lane l loads
// values l, l + S, ... of a block instead, and `subgroupBroadcast` with constant lanes (an extract and a splat) hands
// each value to the others: a block of 16 values costs 2 gathers instead of 16. GPUs keep plain loads: there a load
// that all lanes share is one cached read already.

import type { GpuRuntime } from '../runtime.ts';

/** The subgroup size to share loads over on this adapter, or 0 for plain loads. */
export const sharedLoadSubgroup = (rt: GpuRuntime): number => (rt.info.isFallbackAdapter ? rt.info.subgroupSize : 0);

/** Module header for a kernel that shares loads: every caller runs the broadcasts with whole subgroups in step. */
export const sharedLoadHeader = (subgroup: number): string =>
  subgroup ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);' : '';

/** Entry-point parameter giving `lane`, the invocation's index in its subgroup. */
export const laneParameter = (subgroup: number): string =>
  subgroup ? ', @builtin(subgroup_invocation_id) lane: u32' : '';

/**
 * WGSL statements that declare `into`, an array<f32, count>, and fill it with the values `load(index)` of a block (`index`
 * a WGSL u32 expression, below `count`): each lane loads ceil(count / subgroup) of them and broadcasts them to the others.
 */
export function sharedLoads(subgroup: number, count: number, into: string, load: (index: string) => string): string[] {
  const perLane = Math.ceil(count / subgroup);
  return [
    ...Array.from({ length: perLane }, (_, k) => `let ${into}Lane${k} = ${load(`${k * subgroup}u + lane`)};`),
    `var ${into}: array<f32, ${count}>;`,
    ...Array.from(
      { length: count },
      (_, j) => `${into}[${j}] = subgroupBroadcast(${into}Lane${Math.floor(j / subgroup)}, ${j % subgroup}u);`,
    ),
  ];
}

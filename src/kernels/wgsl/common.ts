// WGSL shared by the kernels: the flat invocation index, entry points of element-wise kernels (one f32 or several vec4s
// per invocation) and N-d index arithmetic for strided reads (rank <= 8).

import { flatIndexWgsl, grid1d } from '../runtime.ts';

export const MAX_RANK = 8;
export const WG = 256;

/** Memoises KernelSource objects by key so each variant's WGSL is built once. */
export function cached<T>(build: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = build(key);
      cache.set(key, value);
    }
    return value;
  };
}

/** Pads a list of at most MAX_RANK numbers to MAX_RANK, for array<vec4<u32>, 2> uniforms. */
export function rankArray(values: readonly number[], what: string): number[] {
  if (values.length > MAX_RANK)
    throw new Error(`${what}: tensors of rank ${values.length} are not supported (at most ${MAX_RANK})`);
  return [...values, ...new Array(MAX_RANK - values.length).fill(0)];
}

/** Entry point of a kernel with one invocation per element: the body that follows sees `i`, the flat index, below `count`. */
export const perElementMain = (count = 'params.n') => /* wgsl */ `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i >= ${count}) { return; }`;

/**
 * Vec4s each invocation of a vec4 element-wise kernel computes. On lavapipe a fixed cost per invocation dominates: a
 * 1M-element vec4 mul took 4.5 ms per dispatch with 1 vec4 per invocation and 2.2 ms with 4 (8 was slower again).
 */
export const VEC4S_PER_INVOCATION = 4;

/**
 * Entry point of a vec4 element-wise kernel: the body that follows runs in a loop and sees `i`, a vec4 index below
 * `count`; close it with two braces. An invocation's vec4s lie a grid apart, so neighbouring invocations read
 * neighbouring vec4s in every round (coalesced on GPUs).
 */
export const perVec4Main = (count: string) => /* wgsl */ `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let first = flat_index(wid, nwg, lid);
  let stride = nwg.x * nwg.y * ${WG}u;
  for (var k = 0u; k < ${VEC4S_PER_INVOCATION}u; k += 1u) {
    let i = first + k * stride;
    if (i >= ${count}) { return; }`;

/** Workgroups for a perVec4Main kernel over `n` elements (a multiple of 4). */
export const vec4Grid = (n: number) => grid1d(Math.ceil(n / 4 / VEC4S_PER_INVOCATION), WG);

/**
 * A vec4<f32> built by applying `call` to each component name (x, y, z, w): the vec4 element-wise kernels evaluate the
 * op table's f32 expressions per component, since some (select with a scalar condition, pow_f, sigmoid_f) take only f32.
 */
export const componentwise = (call: (c: string) => string) => `vec4<f32>(${['x', 'y', 'z', 'w'].map(call).join(', ')})`;

/** Preamble: flat_index, plus `dim(a, i)` to read element i of an array<vec4<u32>, 2>. */
export const preamble = /* wgsl */ `
${flatIndexWgsl(WG)}
fn dim(a: array<vec4<u32>, 2>, i: u32) -> u32 { return a[i / 4u][i % 4u]; }
`;

/**
 * Offset into an operand read with `strides` at the position of flat output index `i` in `shape` (both rank `rank`).
 * Requires the uniform struct field names passed in.
 */
export const stridedOffsetWgsl = /* wgsl */ `
fn strided_offset(i: u32, rank: u32, shape: array<vec4<u32>, 2>, strides: array<vec4<u32>, 2>) -> u32 {
  var rest = i;
  var offset = 0u;
  for (var d = i32(rank) - 1; d >= 0; d = d - 1) {
    let size = dim(shape, u32(d));
    offset += (rest % size) * dim(strides, u32(d));
    rest /= size;
  }
  return offset;
}
`;

/**
 * Index arithmetic without integer division. A CPU adapter has no vector integer division, so `a / b` and `a % b` with
 * a uniform b become a scalar division per lane (on lavapipe a broadcast add over [16, 16, 32, 32] spent 11 ms of CPU in
 * them, 4 ms with the division below). fast_div divides by a float reciprocal given in the uniforms and corrects the
 * quotient by one: exact while the dividend is below FAST_INDEX_LIMIT, where f32 holds it exactly and the product's
 * rounding moves it by less than 1. Kernels over larger tensors keep the integer forms.
 */
export const FAST_INDEX_LIMIT = 2 ** 23;

export const fastDivWgsl = /* wgsl */ `
fn fast_div(a: u32, b: u32, inv: f32) -> u32 {
  let q = u32(f32(a) * inv);
  let r = i32(a) - i32(q * b);
  return select(select(q, q + 1u, r >= i32(b)), q - 1u, r < 0);
}`;

/** 1 / size per dimension, padded to MAX_RANK: the `inv` uniform of fast_div's callers. */
export const reciprocals = (shape: readonly number[], what: string) =>
  rankArray(
    shape.map((d) => 1 / d),
    what,
  );

/**
 * strided_offset for a fixed `rank`, with fast_div: the loop over dimensions is written out, so every size and stride
 * is a uniform read at a constant index. Needs fastDivWgsl.
 */
export const fastStridedOffsetWgsl = (rank: number) => /* wgsl */ `
fn strided_offset_fast(i: u32, shape: array<vec4<u32>, 2>, inv: array<vec4<f32>, 2>, strides: array<vec4<u32>, 2>) -> u32 {
  var rest = i;
  var offset = 0u;
${Array.from({ length: rank }, (_, k) => rank - 1 - k)
  .map((d) => {
    const at = `[${d >> 2}][${d & 3}]`;
    return `  {
    let q = fast_div(rest, shape${at}, inv${at});
    offset += (rest - q * shape${at}) * strides${at};
    rest = q;
  }`;
  })
  .join('\n')}
  return offset;
}`;

/** Merges adjacent dimensions that every operand traverses contiguously, so index math runs over fewer dimensions. */
export function collapseDims(
  shape: readonly number[],
  stridesList: number[][],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      stridesList.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      stridesList.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

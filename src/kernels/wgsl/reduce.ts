// Sum, max and min over any set of axes, read in place (no transpose pass).
//
// Adjacent axes that are both reduced or both kept merge first, so the input reads as alternating kept and reduced
// groups: an output's elements sit at keptOffset(output) + reducedOffset(r) for r < extent. Three plans by shape:
//   - thread: one invocation per output, walking the innermost reduced group as a plain strided loop (as vec4s when it
//     is contiguous). Taken when the extent is short, when there are enough outputs to keep a device busy on their own,
//     and on CPU adapters from 16 outputs (CPU_THREAD_OUTPUTS);
//   - workgroup: one workgroup per output; its invocations stride over r, then a tree in workgroup memory combines them;
//   - split: when there are few outputs and each is long (a sum over everything, per-channel batch-norm statistics), the
//     workgroup pass runs over `slices` chunks of r per output into a temporary, and a second reduction over the slices
//     combines them. Both passes add in an order fixed by the shape, so results are deterministic (no atomics).
// When the reduced elements of each output form one contiguous run of a multiple of 4, the workgroup plans read it as
// vec4s (contiguousKernel). A mean is a sum whose last pass divides by the reduced count, so it costs no extra dispatch.
//
// On lavapipe every workgroup that uses barriers costs about 7 us on top of its reads (a 4096 x 512 sum over the last
// axis took 25 ms as 4096 workgroups and 2.4 ms as one invocation per row), so the workgroup plans keep workgroups few and
// small: 64 invocations (2-3x faster there than 256) and slices of at least 4096 elements.

import type { ReduceOp, ReduceParams } from '../../tensor/backend.ts';
import { contiguousStrides } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, preamble, rankArray, stridedOffsetWgsl, WG } from './common.ts';
import { fill } from './fill.ts';

/** Reduced extents up to this run one invocation per output. */
const THREAD_EXTENT = 64;
/** So many outputs run one invocation each whatever their extent. */
const THREAD_OUTPUTS = 1024;
/**
 * On a CPU adapter, so many: a workgroup with barriers costs about 7 us there, and the per-channel sums of batch norm's
 * composite backward and of bias gradients ([16, 64, 8, 8] over axes 0, 2, 3: 64 outputs of 1024) took 690 us as 64
 * workgroups of 64 and 123 us as one invocation per output, in workgroups of 8 (lavapipe's SIMD width) so that both
 * cores get some, reading vec4s.
 */
const CPU_THREAD_OUTPUTS = 16;
/** Invocations per workgroup in the workgroup and split plans. */
const GROUP = 64;
/** Split an output's reduction only while each slice keeps at least this many elements (64 per invocation). */
const MIN_SLICE = 64 * GROUP;
/**
 * Workgroups the split aims for: enough to spread over a GPU's cores. A CPU (fallback) adapter runs workgroups as loops on
 * a few threads, where each one costs setup and a barrier tree: on lavapipe a sum of 1M values took 1.1-1.3 ms as 128
 * workgroups and 0.5-0.6 ms as 1 to 8. Of those, 8 keeps the float32 partial sums shortest.
 */
const targetGroups = (rt: GpuRuntime) => (rt.info.isFallbackAdapter ? 8 : 128);

/** The ops the kernels run: a mean runs as a sum. */
type Combine = Exclude<ReduceOp, 'mean'>;
const COMBINE: Record<Combine, string> = { sum: 'acc + v', max: 'max(acc, v)', min: 'min(acc, v)' };
const IDENTITY: Record<Combine, number> = { sum: 0, max: -Infinity, min: Infinity };

/** Uniforms and bindings; `x` is read as array<f32>, or as array<vec4<f32>> by the contiguous kernel. */
const params = (xType = 'f32') => /* wgsl */ `
struct Params {
  outputs: u32, extent: u32, slices: u32, chunk: u32, groups: u32, keptRank: u32, redRank: u32, init: f32, divisor: f32,
  keptShape: array<vec4<u32>, 2>, keptStrides: array<vec4<u32>, 2>, redShape: array<vec4<u32>, 2>, redStrides: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<storage, read> x: array<${xType}>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;`;

/** The workgroup plans' ending: combines the invocations' `acc` in workgroup memory and writes out[g]. */
const TREE = /* wgsl */ `
  partial[lid] = acc;
  workgroupBarrier();
  for (var width = ${GROUP / 2}u; width > 0u; width /= 2u) {
    if (lid < width) {
      let v = partial[lid + width];
      partial[lid] = combine(partial[lid], v);
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[g] = partial[0] / params.divisor; }`;

// One invocation per output. `vec4` reads the innermost reduced group, contiguous and a multiple of 4 long, as vec4s.
const threadKernel = cached((key: string): KernelSource => {
  const [op, variant, size] = key.split('|');
  const vec4 = variant === 'vec4';
  return {
    name: `reduce_${op}`,
    key: `reduce:thread:${key}`,
    source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
${params(vec4 ? 'vec4<f32>' : 'f32')}

fn combine(acc: f32, v: f32) -> f32 { return ${COMBINE[op as Combine]}; }
fn combine4(acc: vec4<f32>, v: vec4<f32>) -> vec4<f32> { return ${COMBINE[op as Combine]}; }

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * ${size}u + lid;
  if (o >= params.outputs) { return; }
  let base = strided_offset(o, params.keptRank, params.keptShape, params.keptStrides);
  let innerRank = params.redRank - 1u;
  let inner = dim(params.redShape, innerRank);
  let innerStride = dim(params.redStrides, innerRank);
  ${
    vec4
      ? `var acc4 = vec4<f32>(params.init);
  for (var row = 0u; row < params.extent / inner; row += 1u) {
    let start = (base + strided_offset(row, innerRank, params.redShape, params.redStrides)) / 4u;
    for (var c = 0u; c < inner / 4u; c += 1u) { acc4 = combine4(acc4, x[start + c]); }
  }
  let acc = combine(combine(acc4.x, acc4.y), combine(acc4.z, acc4.w));`
      : `var acc = params.init;
  for (var row = 0u; row < params.extent / inner; row += 1u) {
    let start = base + strided_offset(row, innerRank, params.redShape, params.redStrides);
    for (var c = 0u; c < inner; c += 1u) { acc = combine(acc, x[start + c * innerStride]); }
  }`
  }
  out[o] = acc / params.divisor;
}`,
  };
});

const workgroupKernel = cached((op: string): KernelSource => ({
  name: `reduce_${op}`,
  key: `reduce:workgroup:${op}`,
  source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
${params()}

var<workgroup> partial: array<f32, ${GROUP}>;

fn combine(acc: f32, v: f32) -> f32 { return ${COMBINE[op as Combine]}; }

// One workgroup per (output, slice); writes out[output * slices + slice].
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x;
  if (g >= params.groups) { return; }
  let base = strided_offset(g / params.slices, params.keptRank, params.keptShape, params.keptStrides);
  let first = (g % params.slices) * params.chunk;
  let last = min(first + params.chunk, params.extent);
  // r = row * inner + c walks the reduced elements; advancing by the workgroup size needs no division.
  let innerRank = params.redRank - 1u;
  let inner = dim(params.redShape, innerRank);
  let innerStride = dim(params.redStrides, innerRank);
  let rowStep = ${GROUP}u / inner;
  let cStep = ${GROUP}u % inner;
  var row = (first + lid) / inner;
  var c = (first + lid) % inner;
  var rowStart = base + strided_offset(row, innerRank, params.redShape, params.redStrides);
  var acc = params.init;
  for (var r = first + lid; r < last; r += ${GROUP}u) {
    let v = x[rowStart + c * innerStride];
    acc = combine(acc, v);
    c += cStep;
    var nextRow = row + rowStep;
    if (c >= inner) {
      c -= inner;
      nextRow += 1u;
    }
    if (nextRow != row) {
      row = nextRow;
      rowStart = base + strided_offset(row, innerRank, params.redShape, params.redStrides);
    }
  }
${TREE}
}`,
}));

// The workgroup plan for a reduced run that is one contiguous group of a multiple of 4 elements (a sum over everything,
// over the last axes): each invocation accumulates vec4s, a quarter of the loop iterations and 16-byte loads, with no
// row bookkeeping. Outputs start at multiples of the extent, and chunks are multiples of 4, so every vec4 is aligned.
// Four accumulators per invocation, for accuracy rather than speed (equal on lavapipe): with few workgroups each float32
// partial sum would otherwise add about 500 values of 1M, and the sum's test tolerance was 0.7 used up instead of 0.2.
const contiguousKernel = cached((op: string): KernelSource => ({
  name: `reduce_${op}`,
  key: `reduce:contiguous:${op}`,
  source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
${params('vec4<f32>')}

var<workgroup> partial: array<f32, ${GROUP}>;

fn combine(acc: f32, v: f32) -> f32 { return ${COMBINE[op as Combine]}; }
fn combine4(acc: vec4<f32>, v: vec4<f32>) -> vec4<f32> { return ${COMBINE[op as Combine]}; }

// One workgroup per (output, slice); writes out[output * slices + slice]. first counts elements; base, last and r count vec4s.
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x;
  if (g >= params.groups) { return; }
  let base = strided_offset(g / params.slices, params.keptRank, params.keptShape, params.keptStrides) / 4u;
  let first = (g % params.slices) * params.chunk;
  let last = base + min(first + params.chunk, params.extent) / 4u;
  var acc4 = vec4<f32>(params.init);
  var accB = vec4<f32>(params.init);
  var accC = vec4<f32>(params.init);
  var accD = vec4<f32>(params.init);
  var r = base + first / 4u + lid;
  for (; r + ${3 * GROUP}u < last; r += ${4 * GROUP}u) {
    acc4 = combine4(acc4, x[r]);
    accB = combine4(accB, x[r + ${GROUP}u]);
    accC = combine4(accC, x[r + ${2 * GROUP}u]);
    accD = combine4(accD, x[r + ${3 * GROUP}u]);
  }
  for (; r < last; r += ${GROUP}u) {
    acc4 = combine4(acc4, x[r]);
  }
  acc4 = combine4(combine4(acc4, accB), combine4(accC, accD));
  let acc = combine(combine(acc4.x, acc4.y), combine(acc4.z, acc4.w));
${TREE}
}`,
}));

/** Kept and reduced groups of a contiguous input: shapes and input strides, each group merged from adjacent axes. */
function mergeAxes(p: ReduceParams) {
  const strides = contiguousStrides(p.inShape);
  const kept = { shape: [] as number[], strides: [] as number[] };
  const reduced = { shape: [] as number[], strides: [] as number[] };
  let previous: typeof kept | null = null;
  p.inShape.forEach((size, d) => {
    if (size === 1) return;
    const group = p.axes.includes(d) ? reduced : kept;
    if (group === previous) {
      // The inner axis's stride times its size is the outer axis's stride, so the two read as one.
      group.shape[group.shape.length - 1] *= size;
      group.strides[group.strides.length - 1] = strides[d];
    } else {
      group.shape.push(size);
      group.strides.push(strides[d]);
    }
    previous = group;
  });
  if (reduced.shape.length === 0) {
    reduced.shape.push(1);
    reduced.strides.push(0);
  }
  return { kept, reduced };
}

export function reduce(rt: GpuRuntime, op: ReduceOp, x: GpuStorage, p: ReduceParams): GpuStorage {
  const count = p.axes.reduce((n, a) => n * p.inShape[a], 1);
  return op === 'mean' ? reduceDivided(rt, 'sum', x, p, count) : reduceDivided(rt, op, x, p, 1);
}

/** The reduction with every result divided by `divisor` (exact when it is 1) in the pass that writes it. */
function reduceDivided(rt: GpuRuntime, op: Combine, x: GpuStorage, p: ReduceParams, divisor: number): GpuStorage {
  const label = `reduce_${op}`;
  const { kept, reduced } = mergeAxes(p);
  const outputs = kept.shape.reduce((a, b) => a * b, 1);
  const extent = reduced.shape.reduce((a, b) => a * b, 1);
  if (extent === 0 || outputs === 0) return fill(rt, outputs, IDENTITY[op] / divisor);

  const uniforms = (slices: number, chunk: number, groups: number, passDivisor: number) => ({
    outputs,
    extent,
    slices,
    chunk,
    groups,
    keptRank: kept.shape.length,
    redRank: reduced.shape.length,
    init: IDENTITY[op],
    divisor: passDivisor,
    keptShape: rankArray(kept.shape, label),
    keptStrides: rankArray(kept.strides, label),
    redShape: rankArray(reduced.shape, label),
    redStrides: rankArray(reduced.strides, label),
  });
  const cpu = rt.info.isFallbackAdapter;
  if (extent <= THREAD_EXTENT || outputs >= THREAD_OUTPUTS || (cpu && outputs >= CPU_THREAD_OUTPUTS)) {
    const out = rt.alloc(outputs, label);
    const inner = reduced.shape.length - 1;
    const vec4 =
      reduced.strides[inner] === 1 &&
      [...kept.strides, reduced.shape[inner], ...reduced.strides.slice(0, inner)].every((v) => v % 4 === 0);
    const size = !cpu ? WG : outputs >= THREAD_OUTPUTS ? 64 : 8;
    rt.dispatch(
      threadKernel(`${op}|${vec4 ? 'vec4' : 'f32'}|${size}`),
      { x, out },
      uniforms(1, extent, outputs, divisor),
      grid1d(Math.ceil(outputs / size), 1),
    );
    return out;
  }
  const slices = Math.max(1, Math.min(Math.ceil(targetGroups(rt) / outputs), Math.floor(extent / MIN_SLICE)));
  const contiguous = reduced.shape.length === 1 && reduced.strides[0] === 1 && extent % 4 === 0;
  // The contiguous kernel reads whole vec4s, so its chunks are rounded up to a multiple of 4 (the last slice is shorter).
  const chunk = contiguous ? Math.ceil(extent / slices / 4) * 4 : Math.ceil(extent / slices);
  const out = rt.alloc(outputs * slices, label);
  const kernel = contiguous ? contiguousKernel(op) : workgroupKernel(op);
  rt.dispatch(
    kernel,
    { x, out },
    uniforms(slices, chunk, outputs * slices, slices === 1 ? divisor : 1),
    grid1d(outputs * slices, 1),
  );
  if (slices === 1) return out;
  const combined = reduceDivided(rt, op, out, { inShape: [outputs, slices], axes: [1] }, divisor);
  rt.release(out); // safe before the dispatch runs: released buffers are reused only after the next submit
  return combined;
}

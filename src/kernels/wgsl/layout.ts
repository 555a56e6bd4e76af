// Layout kernels: gather (permute, slice and expand as one strided read) and constant padding. One invocation per output
// element; dimensions that need no separate index arithmetic are merged first, so most calls run over rank 1 or 2. Below
// FAST_INDEX_LIMIT elements the index arithmetic is written out for the rank and divides by reciprocals (common.ts).

import type { GatherParams, PadParams } from '../../tensor/backend.ts';
import { numel } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import {
  cached,
  collapseDims,
  FAST_INDEX_LIMIT,
  fastDivWgsl,
  fastStridedOffsetWgsl,
  perElementMain,
  preamble,
  rankArray,
  reciprocals,
  stridedOffsetWgsl,
  WG,
} from './common.ts';

/**
 * 'exact' (integer division, any rank up to MAX_RANK) or the rank of the division-free form, each with ':vec4' when
 * the gather moves whole vec4s (see gather).
 */
const gatherKernel = cached((key: string): KernelSource => {
  const [variant, width] = key.split(':');
  const type = width === 'vec4' ? 'vec4<f32>' : 'f32';
  return {
    name: 'gather',
    key: `gather:${key}`,
    source: () => /* wgsl */ `
${preamble}
${variant === 'exact' ? stridedOffsetWgsl : `${fastDivWgsl}\n${fastStridedOffsetWgsl(Number(variant))}`}
struct Params { n: u32, rank: u32, offset: u32, shape: array<vec4<u32>, 2>, inv: array<vec4<f32>, 2>, strides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> x_in: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<${type}>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  out[i] = x_in[params.offset + ${variant === 'exact' ? 'strided_offset(i, params.rank, params.shape, params.strides)' : 'strided_offset_fast(i, params.shape, params.inv, params.strides)'}];
}`,
  };
});

export function gather(rt: GpuRuntime, x: GpuStorage, p: GatherParams): GpuStorage {
  const n = numel(p.outShape);
  const out = rt.alloc(n, 'gather');
  // The output is contiguous, so only the input's strides decide which dimensions merge.
  const collapsed = collapseDims(p.outShape, [p.strides]);
  // Runs of a multiple of 4 contiguous elements, starting at multiples of 4 (a slice of channels, a crop of planes of a
  // multiple of 4): the same gather over vec4s, a quarter of the invocations, each of which costs more than its reads
  // on lavapipe (one f32 per invocation ran 4-5x slower than vec4s in the element-wise kernels). Only with the
  // division-free index arithmetic, so that the large gathers keep the one tested form.
  const last = collapsed.shape.length - 1;
  const vec4 =
    n < FAST_INDEX_LIMIT &&
    collapsed.strides[0][last] === 1 &&
    [collapsed.shape[last], p.offset, ...collapsed.strides[0].slice(0, last)].every((v) => v % 4 === 0);
  const shape = vec4 ? collapsed.shape.map((d, k) => (k === last ? d / 4 : d)) : collapsed.shape;
  const strides = vec4 ? collapsed.strides[0].map((s, k) => (k === last ? 1 : s / 4)) : collapsed.strides[0];
  const count = vec4 ? n / 4 : n;
  const uniforms = {
    n: count,
    rank: shape.length,
    offset: vec4 ? p.offset / 4 : p.offset,
    shape: rankArray(shape, 'gather'),
    inv: reciprocals(shape, 'gather'),
    strides: rankArray(strides, 'gather'),
  };
  const variant = count < FAST_INDEX_LIMIT ? String(shape.length) : 'exact';
  rt.dispatch(gatherKernel(`${variant}:${vec4 ? 'vec4' : 'f32'}`), { x_in: x, out }, uniforms, grid1d(count, WG));
  return out;
}

/** Output coordinate `at` along one dimension: whether it falls inside the input, and the offset it adds there. */
const padDim = (d: number, divide: string) => {
  const at = `[${d >> 2}][${d & 3}]`;
  return `  {
    let size = params.inShape${at};
    let before = params.before${at};
    let outSize = params.outShape${at};
    let q = ${divide.replace('SIZE', 'outSize').replace('INV', `params.inv${at}`)};
    let at = rest - q * outSize;
    rest = q;
    // u32 wrap-around makes coordinates left of the input large, so one comparison covers both sides.
    inside = inside && at - before < size;
    offset += (at - before) * stride;
    stride *= size;
  }`;
};

/** 'exact' (integer division, any rank up to MAX_RANK) or the rank of the division-free form. */
const padKernel = cached((variant: string): KernelSource => {
  const exact = variant === 'exact';
  const dims = exact
    ? `  for (var d = i32(params.rank) - 1; d >= 0; d = d - 1) {
    let size = dim(params.inShape, u32(d));
    let before = dim(params.before, u32(d));
    let outSize = dim(params.outShape, u32(d));
    let at = rest % outSize;
    rest /= outSize;
    inside = inside && at - before < size;
    offset += (at - before) * stride;
    stride *= size;
  }`
    : Array.from({ length: Number(variant) }, (_, k) =>
        padDim(Number(variant) - 1 - k, 'fast_div(rest, SIZE, INV)'),
      ).join('\n');
  return {
    name: 'pad',
    key: `pad:${variant}`,
    source: () => /* wgsl */ `
${preamble}
${exact ? '' : fastDivWgsl}
struct Params { n: u32, rank: u32, value: f32, inShape: array<vec4<u32>, 2>, before: array<vec4<u32>, 2>, outShape: array<vec4<u32>, 2>, inv: array<vec4<f32>, 2> }
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  var rest = i;
  var offset = 0u;
  var stride = 1u;
  var inside = true;
${dims}
  out[i] = select(params.value, x_in[select(0u, offset, inside)], inside);
}`,
  };
});

/**
 * Merges a dimension without padding into the one before it: coordinates (a, b) become a * size + b, and the outer
 * dimension's padding scales by the inner size. Size-1 dimensions without padding are dropped.
 */
function collapsePad(p: PadParams): { inShape: number[]; before: number[]; after: number[] } {
  const inShape: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  p.inShape.forEach((size, d) => {
    const padded = p.before[d] !== 0 || p.after[d] !== 0;
    if (!padded && size === 1) return;
    const last = inShape.length - 1;
    if (!padded && last >= 0) {
      inShape[last] *= size;
      before[last] *= size;
      after[last] *= size;
    } else {
      inShape.push(size);
      before.push(p.before[d]);
      after.push(p.after[d]);
    }
  });
  return { inShape, before, after };
}

export function pad(rt: GpuRuntime, x: GpuStorage, p: PadParams): GpuStorage {
  const n = numel(p.inShape.map((size, d) => size + p.before[d] + p.after[d]));
  const out = rt.alloc(n, 'pad');
  const c = collapsePad(p);
  const outShape = c.inShape.map((size, d) => c.before[d] + size + c.after[d]);
  const uniforms = {
    n,
    rank: c.inShape.length,
    value: p.value,
    inShape: rankArray(c.inShape, 'pad'),
    before: rankArray(c.before, 'pad'),
    outShape: rankArray(outShape, 'pad'),
    inv: reciprocals(outShape, 'pad'),
  };
  const variant = n < FAST_INDEX_LIMIT ? String(c.inShape.length) : 'exact';
  rt.dispatch(padKernel(variant), { x_in: x, out }, uniforms, grid1d(n, WG));
  return out;
}

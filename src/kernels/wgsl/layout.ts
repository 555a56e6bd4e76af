// Layout kernels: gather (permute, slice and expand as one strided read) and constant padding. One invocation per output
// element; dimensions that need no separate index arithmetic are merged first, so most calls run over rank 1 or 2.

import type { GatherParams, PadParams } from '../../tensor/backend.ts';
import { numel } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { collapseDims, perElementMain, preamble, rankArray, stridedOffsetWgsl, WG } from './common.ts';

const gatherKernel: KernelSource = {
  name: 'gather',
  key: 'gather',
  source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
struct Params { n: u32, rank: u32, offset: u32, shape: array<vec4<u32>, 2>, strides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  out[i] = x_in[params.offset + strided_offset(i, params.rank, params.shape, params.strides)];
}`,
};

export function gather(rt: GpuRuntime, x: GpuStorage, p: GatherParams): GpuStorage {
  const n = numel(p.outShape);
  const out = rt.alloc(n, 'gather');
  // The output is contiguous, so only the input's strides decide which dimensions merge.
  const { shape, strides } = collapseDims(p.outShape, [p.strides]);
  const uniforms = {
    n,
    rank: shape.length,
    offset: p.offset,
    shape: rankArray(shape, 'gather'),
    strides: rankArray(strides[0], 'gather'),
  };
  rt.dispatch(gatherKernel, { x_in: x, out }, uniforms, grid1d(n, WG));
  return out;
}

const padKernel: KernelSource = {
  name: 'pad',
  key: 'pad',
  source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, rank: u32, value: f32, inShape: array<vec4<u32>, 2>, before: array<vec4<u32>, 2>, after: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  var rest = i;
  var offset = 0u;
  var stride = 1u;
  var inside = true;
  for (var d = i32(params.rank) - 1; d >= 0; d = d - 1) {
    let size = dim(params.inShape, u32(d));
    let before = dim(params.before, u32(d));
    let outSize = before + size + dim(params.after, u32(d));
    let at = rest % outSize;
    rest /= outSize;
    // u32 wrap-around makes coordinates left of the input large, so one comparison covers both sides.
    inside = inside && at - before < size;
    offset += (at - before) * stride;
    stride *= size;
  }
  out[i] = select(params.value, x_in[select(0u, offset, inside)], inside);
}`,
};

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
  const uniforms = {
    n,
    rank: c.inShape.length,
    value: p.value,
    inShape: rankArray(c.inShape, 'pad'),
    before: rankArray(c.before, 'pad'),
    after: rankArray(c.after, 'pad'),
  };
  rt.dispatch(padKernel, { x_in: x, out }, uniforms, grid1d(n, WG));
  return out;
}

// 2-d max and average pooling over NCHW planes, and their adjoints. One invocation per element written.
//
// The adjoints are written as gathers: each input position finds the windows that contain it (a short range of output
// rows and columns, computed in closed form) and sums their contributions. Every element is written by one invocation
// in a fixed order, so there are no atomics and results are deterministic. For max pooling this needs the chosen index
// of each output to lie inside that output's window, which holds for indices made by maxPool2d.
//
// Indices are flat positions y * w + x within a plane, stored as f32: exact below 2^24, so planes are limited to that.
// A window with no input inside (padding wider than half the kernel allows one) gets -infinity and index -1, as in
// the reference; WGSL has no infinity literal, so -infinity arrives as a uniform.

import type { Pool2dParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { preamble, WG } from './common.ts';

const HEADER = /* wgsl */ `
${preamble}
struct Params {
  total: u32, h: u32, w: u32, kh: u32, kw: u32, oh: u32, ow: u32,
  strideH: u32, strideW: u32, padH: u32, padW: u32, countIncludePad: u32, negInf: f32,
}

// Output rows (or columns) whose windows contain input row i: [first, end).
fn windows_over(i: u32, pad: u32, k: u32, stride: u32, outSize: u32) -> vec2<u32> {
  let lowest = i32(i + pad) - i32(k) + 1; // the earliest window start that still reaches i
  let first = select(0u, (u32(lowest) + stride - 1u) / stride, lowest > 0);
  return vec2<u32>(first, min((i + pad) / stride + 1u, outSize));
}`;

/** Input elements (y, x) of the window of output (oy, ox) start at (y0, x0); taps outside [0, h) x [0, w) are padding. */
const OUTPUT_POSITION = /* wgsl */ `
  let ox = o % params.ow;
  let oy = (o / params.ow) % params.oh;
  let plane = o / (params.ow * params.oh);
  let y0 = i32(oy * params.strideH) - i32(params.padH);
  let x0 = i32(ox * params.strideW) - i32(params.padW);`;

const INPUT_POSITION = /* wgsl */ `
  let ix = i % params.w;
  let iy = (i / params.w) % params.h;
  let plane = i / (params.w * params.h);
  let rows = windows_over(iy, params.padH, params.kh, params.strideH, params.oh);
  let cols = windows_over(ix, params.padW, params.kw, params.strideW, params.ow);`;

const ENTRY = /* wgsl */ `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

const maxPoolKernel: KernelSource = {
  name: 'max_pool2d',
  key: 'max_pool2d',
  source: () => /* wgsl */ `
${HEADER}
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

${ENTRY} {
  let o = flat_index(wid, nwg, lid);
  if (o >= params.total) { return; }
  ${OUTPUT_POSITION}
  let base = plane * params.h * params.w;
  // Padding taps are skipped: padding acts as -infinity.
  var best = params.negInf;
  var bestAt = -1;
  for (var ky = 0u; ky < params.kh; ky += 1u) {
    let iy = y0 + i32(ky);
    if (iy < 0 || iy >= i32(params.h)) { continue; }
    for (var kx = 0u; kx < params.kw; kx += 1u) {
      let ix = x0 + i32(kx);
      if (ix < 0 || ix >= i32(params.w)) { continue; }
      let at = iy * i32(params.w) + ix;
      let v = x_in[base + u32(at)];
      // Strictly greater: ties keep the first tap in row-major window order.
      if (bestAt < 0 || v > best) {
        best = v;
        bestAt = at;
      }
    }
  }
  values[o] = best;
  indices[o] = f32(bestAt);
}`,
};

const maxPoolScatterKernel: KernelSource = {
  name: 'max_pool2d_scatter',
  key: 'max_pool2d_scatter',
  source: () => /* wgsl */ `
${HEADER}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

${ENTRY} {
  let i = flat_index(wid, nwg, lid);
  if (i >= params.total) { return; }
  ${INPUT_POSITION}
  let here = f32(iy * params.w + ix); // never -1, so empty windows add nothing
  var sum = 0.0;
  for (var oy = rows.x; oy < rows.y; oy += 1u) {
    for (var ox = cols.x; ox < cols.y; ox += 1u) {
      let o = (plane * params.oh + oy) * params.ow + ox;
      if (indices[o] == here) { sum += gy[o]; }
    }
  }
  out[i] = sum;
}`,
};

const maxPoolGatherKernel: KernelSource = {
  name: 'max_pool2d_gather',
  key: 'max_pool2d_gather',
  source: () => /* wgsl */ `
${HEADER}
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

${ENTRY} {
  let o = flat_index(wid, nwg, lid);
  if (o >= params.total) { return; }
  let plane = o / (params.ow * params.oh);
  let at = indices[o];
  out[o] = select(params.negInf, x_in[plane * params.h * params.w + u32(max(at, 0.0))], at >= 0.0);
}`,
};

/**
 * The divisor of output (oy, ox)'s window, as PyTorch in floor mode (the reference agrees): kh * kw with countIncludePad,
 * else the number of its taps inside the image.
 */
const DIVISOR = /* wgsl */ `
fn overlap(start: i32, k: u32, size: u32) -> i32 { return max(min(start + i32(k), i32(size)) - max(start, 0), 0); }

fn divisor(oy: u32, ox: u32) -> f32 {
  if (params.countIncludePad != 0u) { return f32(params.kh * params.kw); }
  let y0 = i32(oy * params.strideH) - i32(params.padH);
  let x0 = i32(ox * params.strideW) - i32(params.padW);
  return f32(overlap(y0, params.kh, params.h) * overlap(x0, params.kw, params.w));
}`;

const avgPoolKernel: KernelSource = {
  name: 'avg_pool2d',
  key: 'avg_pool2d',
  source: () => /* wgsl */ `
${HEADER}
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
${DIVISOR}

${ENTRY} {
  let o = flat_index(wid, nwg, lid);
  if (o >= params.total) { return; }
  ${OUTPUT_POSITION}
  let base = plane * params.h * params.w;
  var sum = 0.0;
  for (var iy = max(y0, 0); iy < min(y0 + i32(params.kh), i32(params.h)); iy += 1) {
    for (var ix = max(x0, 0); ix < min(x0 + i32(params.kw), i32(params.w)); ix += 1) {
      sum += x_in[base + u32(iy) * params.w + u32(ix)];
    }
  }
  out[o] = sum / divisor(oy, ox);
}`,
};

const avgPoolGradKernel: KernelSource = {
  name: 'avg_pool2d_grad',
  key: 'avg_pool2d_grad',
  source: () => /* wgsl */ `
${HEADER}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
${DIVISOR}

${ENTRY} {
  let i = flat_index(wid, nwg, lid);
  if (i >= params.total) { return; }
  ${INPUT_POSITION}
  var sum = 0.0;
  for (var oy = rows.x; oy < rows.y; oy += 1u) {
    for (var ox = cols.x; ox < cols.y; ox += 1u) {
      sum += gy[(plane * params.oh + oy) * params.ow + ox] / divisor(oy, ox);
    }
  }
  out[i] = sum;
}`,
};

function uniforms(p: Pool2dParams, total: number) {
  if (p.h * p.w > 2 ** 24)
    throw new Error(`pool2d: planes of ${p.h}x${p.w} exceed the 2^24 positions that f32 indices hold exactly`);
  return {
    total,
    h: p.h,
    w: p.w,
    kh: p.kh,
    kw: p.kw,
    oh: p.oh,
    ow: p.ow,
    strideH: p.strideH,
    strideW: p.strideW,
    padH: p.padH,
    padW: p.padW,
    countIncludePad: p.countIncludePad ? 1 : 0,
    negInf: -Infinity,
  };
}

const outputs = (p: Pool2dParams) => p.n * p.c * p.oh * p.ow;
const inputs = (p: Pool2dParams) => p.n * p.c * p.h * p.w;

export function maxPool2d(rt: GpuRuntime, x: GpuStorage, p: Pool2dParams): { values: GpuStorage; indices: GpuStorage } {
  const total = outputs(p);
  const values = rt.alloc(total, 'max_pool2d');
  const indices = rt.alloc(total, 'max_pool2d indices');
  rt.dispatch(maxPoolKernel, { x_in: x, values, indices }, uniforms(p, total), grid1d(total, WG));
  return { values, indices };
}

export function maxPool2dScatter(rt: GpuRuntime, gy: GpuStorage, indices: GpuStorage, p: Pool2dParams): GpuStorage {
  const total = inputs(p);
  const out = rt.alloc(total, 'max_pool2d_scatter');
  rt.dispatch(maxPoolScatterKernel, { gy, indices, out }, uniforms(p, total), grid1d(total, WG));
  return out;
}

export function maxPool2dGather(rt: GpuRuntime, x: GpuStorage, indices: GpuStorage, p: Pool2dParams): GpuStorage {
  const total = outputs(p);
  const out = rt.alloc(total, 'max_pool2d_gather');
  rt.dispatch(maxPoolGatherKernel, { x_in: x, indices, out }, uniforms(p, total), grid1d(total, WG));
  return out;
}

export function avgPool2d(rt: GpuRuntime, x: GpuStorage, p: Pool2dParams): GpuStorage {
  const total = outputs(p);
  const out = rt.alloc(total, 'avg_pool2d');
  rt.dispatch(avgPoolKernel, { x_in: x, out }, uniforms(p, total), grid1d(total, WG));
  return out;
}

export function avgPool2dGrad(rt: GpuRuntime, gy: GpuStorage, p: Pool2dParams): GpuStorage {
  const total = inputs(p);
  const out = rt.alloc(total, 'avg_pool2d_grad');
  rt.dispatch(avgPoolGradKernel, { gy, out }, uniforms(p, total), grid1d(total, WG));
  return out;
}

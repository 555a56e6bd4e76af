// Batch-norm kernels. Statistics and the backward sums take one workgroup per channel that strides over the channel's
// n * hw elements and reduces in workgroup memory (fixed order: deterministic); the affine map and the input gradient
// are element-wise with the channel read from the index.

import type { ChannelParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, perElementMain, preamble, WG } from './common.ts';

const CWG = 64;

/** WGSL shared by the per-channel reductions: element j of channel ch, and a workgroup tree sum of two values. */
const channelReduction = /* wgsl */ `
struct Params { n: u32, c: u32, hw: u32 }
var<workgroup> part_a: array<f32, ${CWG}>;
var<workgroup> part_b: array<f32, ${CWG}>;
fn channel_index(ch: u32, j: u32) -> u32 { return ((j / params.hw) * params.c + ch) * params.hw + j % params.hw; }
fn tree_sum(lid: u32) {
  for (var stride = ${CWG / 2}u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lid < stride) {
      part_a[lid] += part_a[lid + stride];
      part_b[lid] += part_b[lid + stride];
    }
  }
  workgroupBarrier();
}`;

const statsKernel: KernelSource = {
  name: 'batch_norm_stats',
  key: 'batch_norm_stats',
  source: () => /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> variance: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
${channelReduction}
@compute @workgroup_size(${CWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wid.x;
  let m = params.n * params.hw;
  var s = 0.0;
  for (var j = lid; j < m; j += ${CWG}u) { s += x[channel_index(ch, j)]; }
  part_a[lid] = s;
  part_b[lid] = 0.0;
  tree_sum(lid);
  let mu = part_a[0] / f32(m);
  workgroupBarrier();
  // Second pass around the mean: no cancellation, unlike E[x^2] - E[x]^2.
  var q = 0.0;
  for (var j = lid; j < m; j += ${CWG}u) {
    let d = x[channel_index(ch, j)] - mu;
    q += d * d;
  }
  part_a[lid] = 0.0;
  part_b[lid] = q;
  tree_sum(lid);
  if (lid == 0u) {
    mean[ch] = mu;
    variance[ch] = part_b[0] / f32(m);
  }
}`,
};

const sumsKernel: KernelSource = {
  name: 'batch_norm_backward_sums',
  key: 'batch_norm_backward_sums',
  source: () => /* wgsl */ `
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> invstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> sum_g: array<f32>;
@group(0) @binding(5) var<storage, read_write> sum_g_xhat: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
${channelReduction}
@compute @workgroup_size(${CWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wid.x;
  let m = params.n * params.hw;
  let mu = mean[ch];
  let inv = invstd[ch];
  var a = 0.0;
  var b = 0.0;
  for (var j = lid; j < m; j += ${CWG}u) {
    let i = channel_index(ch, j);
    a += g[i];
    b += g[i] * (x[i] - mu) * inv;
  }
  part_a[lid] = a;
  part_b[lid] = b;
  tree_sum(lid);
  if (lid == 0u) {
    sum_g[ch] = part_a[0];
    sum_g_xhat[ch] = part_b[0];
  }
}`,
};

const elementwise = cached((name: string): KernelSource => {
  const inputGradient = name === 'batch_norm_backward_input';
  const bindings = inputGradient
    ? ['g', 'x', 'mean', 'invstd', 'scale', 'sum_g', 'sum_g_xhat']
    : ['x', 'scale', 'shift'];
  const body = inputGradient
    ? `let m = f32(params.n * params.hw);
  let xhat = (x[i] - mean[ch]) * invstd[ch];
  out[i] = scale[ch] * (g[i] - sum_g[ch] / m - xhat * sum_g_xhat[ch] / m);`
    : 'out[i] = x[i] * scale[ch] + shift[ch];';
  return {
    name,
    key: name,
    source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, c: u32, hw: u32 }
${bindings.map((b, k) => `@group(0) @binding(${k}) var<storage, read> ${b}: array<f32>;`).join('\n')}
@group(0) @binding(${bindings.length}) var<storage, read_write> out: array<f32>;
@group(0) @binding(${bindings.length + 1}) var<uniform> params: Params;
${perElementMain('params.n * params.c * params.hw')}
  let ch = (i / params.hw) % params.c;
  ${body}
}`,
  };
});

const uniforms = (p: ChannelParams) => ({ n: p.n, c: p.c, hw: p.hw });

export function batchNormStats(rt: GpuRuntime, x: GpuStorage, p: ChannelParams) {
  const mean = rt.alloc(p.c, 'batch_norm_stats');
  const variance = rt.alloc(p.c, 'batch_norm_stats');
  rt.dispatch(statsKernel, { x, mean, variance }, uniforms(p), grid1d(p.c, 1));
  return { mean, variance };
}

export function channelAffine(
  rt: GpuRuntime,
  x: GpuStorage,
  scale: GpuStorage,
  shift: GpuStorage,
  p: ChannelParams,
): GpuStorage {
  const out = rt.alloc(x.size, 'channel_affine');
  rt.dispatch(elementwise('channel_affine'), { x, scale, shift, out }, uniforms(p), grid1d(x.size, WG));
  return out;
}

export function batchNormBackwardSums(
  rt: GpuRuntime,
  g: GpuStorage,
  x: GpuStorage,
  mean: GpuStorage,
  invstd: GpuStorage,
  p: ChannelParams,
) {
  const sumG = rt.alloc(p.c, 'batch_norm_backward_sums');
  const sumGXhat = rt.alloc(p.c, 'batch_norm_backward_sums');
  rt.dispatch(sumsKernel, { g, x, mean, invstd, sum_g: sumG, sum_g_xhat: sumGXhat }, uniforms(p), grid1d(p.c, 1));
  return { sumG, sumGXhat };
}

export function batchNormBackwardInput(
  rt: GpuRuntime,
  g: GpuStorage,
  x: GpuStorage,
  mean: GpuStorage,
  invstd: GpuStorage,
  scale: GpuStorage,
  sumG: GpuStorage,
  sumGXhat: GpuStorage,
  p: ChannelParams,
): GpuStorage {
  const out = rt.alloc(x.size, 'batch_norm_backward_input');
  rt.dispatch(
    elementwise('batch_norm_backward_input'),
    { g, x, mean, invstd, scale, sum_g: sumG, sum_g_xhat: sumGXhat, out },
    uniforms(p),
    grid1d(x.size, WG),
  );
  return out;
}

// Batch-norm kernels. Statistics and the backward sums take one workgroup per channel that strides over the channel's
// n * hw elements and reduces in workgroup memory (fixed order: deterministic); the affine map and the input gradient
// are element-wise with the channel read from the index. The statistics kernel also writes the affine map that
// normalises (scale and shift from the weight, bias and eps), and the backward kernels take the variance and eps rather
// than 1 / sqrt(variance + eps): three per-channel dispatches fewer per layer and step, each of them tiny (lavapipe
// spends tens of microseconds on any dispatch).
//
// When a plane (hw) is a multiple of 4, every kernel reads vec4s, which never straddle two channels. On a CPU adapter the
// per-channel sums then run one invocation per channel instead of a workgroup (no barriers: a workgroup with barriers
// costs about 7 us on lavapipe), in workgroups of 8 so that every core gets channels. Measured on lavapipe over
// [16, 32, 16, 16] (AVX-512 code; AVX2 alike): statistics 509 -> 176 us, affine map 987 -> 237 us (it read one f32 per
// invocation, with two integer divisions each), backward sums 432 -> 245 us, input gradient 1173 -> 336 us.

import type { AffineParams, BatchNormParams, ChannelParams, RunningStatsParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, perElementMain, perVec4Main, preamble, vec4Grid, WG } from './common.ts';

const CWG = 64;

const paramsStruct = 'struct Params { n: u32, c: u32, hw: u32, eps: f32, slope: f32 }';

/**
 * The backward sums' bindings after g and x: with a leaky ReLU after the affine map (`act`), its output y, read to
 * take g back through it, and g_out, where that gradient is written for the input gradient's kernel.
 */
const activationBindings = (act: boolean, type: string) =>
  act
    ? `@group(0) @binding(7) var<storage, read> y: array<${type}>;
@group(0) @binding(8) var<storage, read_write> g_out: array<${type}>;`
    : '';

/** WGSL for g at `at` taken back through the leaky ReLU (y > 0: g, else slope * g), stored to g_out, as `into`. */
const throughActivation = (act: boolean, into: string, at: string, type: string) =>
  act
    ? `let ${into} = g[${at}] * select(${type}(params.slope), ${type}(1.0), y[${at}] > ${type}(0.0)); g_out[${at}] = ${into};`
    : `let ${into} = g[${at}];`;

/**
 * The affine map's weight and bias bindings, those of them a layer has, from `first`; and the WGSL that writes channel
 * ch's scale = weight / sqrt(variance + eps) and shift = bias - mean * scale from its `mu` and variance `v`.
 */
function affineOutputs(affine: string, first: number) {
  const inputs = [...(affine.includes('w') ? ['weight'] : []), ...(affine.includes('b') ? ['bias'] : [])];
  const names = [...inputs, 'scale', 'shift'];
  const bindings = names.map(
    (name, k) =>
      `@group(0) @binding(${first + k}) var<storage, ${k < inputs.length ? 'read' : 'read_write'}> ${name}: array<f32>;`,
  );
  const write = `let inv = inverseSqrt(v + params.eps);
  let sc = ${affine.includes('w') ? 'inv * weight[ch]' : 'inv'};
  scale[ch] = sc;
  shift[ch] = ${affine.includes('b') ? 'bias[ch] - mu * sc' : '-(mu * sc)'};`;
  return { bindings: bindings.join('\n'), next: first + names.length, write };
}

/** WGSL shared by the per-channel reductions: element j of channel ch, and a workgroup tree sum of two values. */
const channelReduction = /* wgsl */ `
${paramsStruct}
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

const statsKernel = cached((affine: string): KernelSource => {
  const outputs = affineOutputs(affine, 3);
  return {
    name: 'batch_norm_stats',
    key: `batch_norm_stats:${affine}`,
    source: () => /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> variance: array<f32>;
${outputs.bindings}
@group(0) @binding(${outputs.next}) var<uniform> params: Params;
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
    let v = part_b[0] / f32(m);
    mean[ch] = mu;
    variance[ch] = v;
    ${outputs.write}
  }
}`,
  };
});

const sumsKernel = cached((variant: string): KernelSource => ({
  name: 'batch_norm_backward_sums',
  key: `batch_norm_backward_sums:${variant}`,
  source: () => /* wgsl */ `
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read_write> sum_g: array<f32>;
@group(0) @binding(5) var<storage, read_write> sum_g_xhat: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
${activationBindings(variant === 'act', 'f32')}
${channelReduction}
@compute @workgroup_size(${CWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wid.x;
  let m = params.n * params.hw;
  let mu = mean[ch];
  let inv = inverseSqrt(variance[ch] + params.eps);
  var a = 0.0;
  var b = 0.0;
  for (var j = lid; j < m; j += ${CWG}u) {
    let i = channel_index(ch, j);
    ${throughActivation(variant === 'act', 'gi', 'i', 'f32')}
    a += gi;
    b += gi * (x[i] - mu) * inv;
  }
  part_a[lid] = a;
  part_b[lid] = b;
  tree_sum(lid);
  if (lid == 0u) {
    sum_g[ch] = part_a[0];
    sum_g_xhat[ch] = part_b[0];
  }
}`,
}));

/** Invocations per workgroup of the per-channel kernels on a CPU adapter: lavapipe's SIMD width. */
const CHANNEL_LANES = 8;

/**
 * One invocation per channel, reading its n planes of hw / 4 vec4s: the statistics (two passes, around the mean) or
 * the backward sums. For CPU adapters, and planes of a multiple of 4.
 */
const channelThreadKernel = cached((key: string): KernelSource => {
  // variant: the statistics' affine inputs ('w', 'b'), or 'act' for backward sums through a leaky ReLU.
  const [name, variant] = key.split('|');
  const stats = name === 'batch_norm_stats';
  const outputs = affineOutputs(stats ? variant : '', 3); // the statistics' outputs; the sums use none of them
  const bindings = stats
    ? '@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;\n' +
      '@group(0) @binding(1) var<storage, read_write> mean: array<f32>;\n' +
      '@group(0) @binding(2) var<storage, read_write> variance: array<f32>;\n' +
      `${outputs.bindings}\n` +
      `@group(0) @binding(${outputs.next}) var<uniform> params: Params;`
    : '@group(0) @binding(0) var<storage, read> g: array<vec4<f32>>;\n' +
      '@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;\n' +
      '@group(0) @binding(2) var<storage, read> mean: array<f32>;\n' +
      '@group(0) @binding(3) var<storage, read> variance: array<f32>;\n' +
      '@group(0) @binding(4) var<storage, read_write> sum_g: array<f32>;\n' +
      '@group(0) @binding(5) var<storage, read_write> sum_g_xhat: array<f32>;\n' +
      '@group(0) @binding(6) var<uniform> params: Params;\n' +
      activationBindings(variant === 'act', 'vec4<f32>');
  // Loops over the channel's vec4s, with `at` the index of the current one.
  const overChannel = (body: string) => `for (var b = 0u; b < params.n; b += 1u) {
    let row = (b * params.c + ch) * quads;
    for (var k = 0u; k < quads; k += 1u) {
      let at = row + k;
      ${body}
    }
  }`;
  const body = stats
    ? `var s = vec4<f32>(0.0);
  ${overChannel('s += x[at];')}
  let mu = (s.x + s.y + s.z + s.w) / m;
  // Second pass around the mean: no cancellation, unlike E[x^2] - E[x]^2.
  var q = vec4<f32>(0.0);
  ${overChannel('let d = x[at] - vec4<f32>(mu); q += d * d;')}
  let v = (q.x + q.y + q.z + q.w) / m;
  mean[ch] = mu;
  variance[ch] = v;
  ${outputs.write}`
    : `let mu = vec4<f32>(mean[ch]);
  let inv = inverseSqrt(variance[ch] + params.eps);
  var a = vec4<f32>(0.0);
  var c = vec4<f32>(0.0);
  ${overChannel(`${throughActivation(variant === 'act', 'gv', 'at', 'vec4<f32>')} a += gv; c += gv * (x[at] - mu) * inv;`)}
  sum_g[ch] = a.x + a.y + a.z + a.w;
  sum_g_xhat[ch] = c.x + c.y + c.z + c.w;`;
  return {
    name,
    key: `${name}:thread:${variant}`,
    source: () => /* wgsl */ `
${paramsStruct}
${bindings}
@compute @workgroup_size(${CHANNEL_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = (wid.y * nwg.x + wid.x) * ${CHANNEL_LANES}u + lid;
  if (ch >= params.c) { return; }
  let quads = params.hw / 4u;
  let m = f32(params.n * params.hw);
  ${body}
}`,
  };
});

/** The affine map or the input gradient, per element; `vec4` (planes of a multiple of 4) reads and writes vec4s. */
const elementwise = cached((key: string): KernelSource => {
  const [name, width, activation] = key.split('|');
  const vec4 = width === 'vec4';
  const inputGradient = name === 'batch_norm_backward_input';
  const bindings = inputGradient
    ? ['g', 'x', 'mean', 'variance', 'scale', 'sum_g', 'sum_g_xhat']
    : ['x', 'scale', 'shift'];
  const perElement = new Set(['g', 'x']);
  const type = vec4 ? 'vec4<f32>' : 'f32';
  const body = inputGradient
    ? `let m = f32(params.n * params.hw);
  let xhat = (x[i] - ${type}(mean[ch])) * inverseSqrt(variance[ch] + params.eps);
  out[i] = scale[ch] * (g[i] - ${type}(sum_g[ch] / m) - xhat * sum_g_xhat[ch] / m);`
    : activation
      ? `let a = x[i] * scale[ch] + ${type}(shift[ch]);
  out[i] = select(a * params.slope, a, a > ${type}(0.0));`
      : `out[i] = x[i] * scale[ch] + ${type}(shift[ch]);`;
  return {
    name,
    key: `${name}:${width}${activation ? ':act' : ''}`,
    source: () => /* wgsl */ `
${preamble}
${paramsStruct}
${bindings.map((b, k) => `@group(0) @binding(${k}) var<storage, read> ${b}: array<${perElement.has(b) ? type : 'f32'}>;`).join('\n')}
@group(0) @binding(${bindings.length}) var<storage, read_write> out: array<${type}>;
@group(0) @binding(${bindings.length + 1}) var<uniform> params: Params;
${
  vec4
    ? `${perVec4Main('params.n * params.c * params.hw / 4u')}
    let ch = (i / (params.hw / 4u)) % params.c;
    ${body}
  }`
    : `${perElementMain('params.n * params.c * params.hw')}
  let ch = (i / params.hw) % params.c;
  ${body}`
}
}`,
  };
});

/** Whether a layout's planes split into whole vec4s. */
const quads = (p: ChannelParams) => p.hw % 4 === 0;

/** The grid and kernel variant of an element-wise batch-norm kernel over `size` elements. */
function perElement(name: string, p: AffineParams, size: number) {
  const act = p.negativeSlope != null ? '|act' : '';
  return quads(p)
    ? { kernel: elementwise(`${name}|vec4${act}`), grid: vec4Grid(size) }
    : { kernel: elementwise(`${name}|f32${act}`), grid: grid1d(size, WG) };
}

/** The per-channel sums' kernel and grid: one invocation per channel on CPU adapters, else a workgroup per channel. */
function perChannel(rt: GpuRuntime, name: string, affine: string, fallback: KernelSource, p: ChannelParams) {
  return rt.info.isFallbackAdapter && quads(p)
    ? { kernel: channelThreadKernel(`${name}|${affine}`), grid: grid1d(Math.ceil(p.c / CHANNEL_LANES), 1) }
    : { kernel: fallback, grid: grid1d(p.c, 1) };
}

const uniforms = (p: AffineParams & { eps?: number }) => ({
  n: p.n,
  c: p.c,
  hw: p.hw,
  eps: p.eps ?? 0,
  slope: p.negativeSlope ?? 0,
});

export function batchNormStats(
  rt: GpuRuntime,
  x: GpuStorage,
  weight: GpuStorage | null,
  bias: GpuStorage | null,
  p: BatchNormParams,
) {
  const [mean, variance, scale, shift] = [0, 1, 2, 3].map(() => rt.alloc(p.c, 'batch_norm_stats'));
  const affine = `${weight ? 'w' : ''}${bias ? 'b' : ''}`;
  const { kernel, grid } = perChannel(rt, 'batch_norm_stats', affine, statsKernel(affine), p);
  const inputs = { ...(weight ? { weight } : {}), ...(bias ? { bias } : {}) };
  rt.dispatch(kernel, { x, mean, variance, ...inputs, scale, shift }, uniforms(p), grid);
  return { mean, variance, scale, shift };
}

/** The running statistics' update; `counted` also adds one to a layer's count of batches. */
const runningStatsKernel = cached((counted: string): KernelSource => ({
  name: 'batch_norm_running_stats',
  key: `batch_norm_running_stats:${counted}`,
  source: () => /* wgsl */ `
${preamble}
struct Params { c: u32, momentum: f32, varianceMomentum: f32 }
@group(0) @binding(0) var<storage, read> running_mean: array<f32>;
@group(0) @binding(1) var<storage, read> running_var: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read_write> new_mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> new_var: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
${
  counted
    ? `@group(0) @binding(7) var<storage, read> count: array<f32>;
@group(0) @binding(8) var<storage, read_write> new_count: array<f32>;`
    : ''
}
${perElementMain('params.c')}
  let keep = 1.0 - params.momentum;
  new_mean[i] = keep * running_mean[i] + params.momentum * mean[i];
  new_var[i] = keep * running_var[i] + params.varianceMomentum * variance[i];
  ${counted ? 'if (i == 0u) { new_count[0] = count[0] + 1.0; }' : ''}
}`,
}));

/** Both running statistics and the count of batches in one dispatch (four per layer and step before). */
export function batchNormRunningStats(
  rt: GpuRuntime,
  runningMean: GpuStorage,
  runningVar: GpuStorage,
  mean: GpuStorage,
  variance: GpuStorage,
  count: GpuStorage | null,
  p: RunningStatsParams,
) {
  const [newMean, newVar] = [0, 1].map(() => rt.alloc(p.c, 'batch_norm_running_stats'));
  const newCount = count ? rt.alloc(1, 'batch_norm_running_stats') : null;
  const bindings: Record<string, GpuStorage> = {
    running_mean: runningMean,
    running_var: runningVar,
    mean,
    variance,
    new_mean: newMean,
    new_var: newVar,
    ...(count && newCount ? { count, new_count: newCount } : {}),
  };
  const uniforms = { c: p.c, momentum: p.momentum, varianceMomentum: p.varianceMomentum };
  rt.dispatch(runningStatsKernel(count ? 'counted' : ''), bindings, uniforms, grid1d(p.c, WG));
  return { mean: newMean, variance: newVar, count: newCount };
}

export function channelAffine(
  rt: GpuRuntime,
  x: GpuStorage,
  scale: GpuStorage,
  shift: GpuStorage,
  p: AffineParams,
): GpuStorage {
  const out = rt.alloc(x.size, 'channel_affine');
  const { kernel, grid } = perElement('channel_affine', p, x.size);
  rt.dispatch(kernel, { x, scale, shift, out }, uniforms(p), grid);
  return out;
}

export function batchNormBackwardSums(
  rt: GpuRuntime,
  g: GpuStorage,
  x: GpuStorage,
  y: GpuStorage | null,
  mean: GpuStorage,
  variance: GpuStorage,
  p: BatchNormParams,
) {
  const sumG = rt.alloc(p.c, 'batch_norm_backward_sums');
  const sumGXhat = rt.alloc(p.c, 'batch_norm_backward_sums');
  // Through the leaky ReLU first when there is one: the gradient of the affine map's output is written on the way.
  const act = y !== null && p.negativeSlope != null;
  const gOut = act ? rt.alloc(g.size, 'batch_norm_backward_sums') : null;
  const variant = act ? 'act' : '';
  const { kernel, grid } = perChannel(rt, 'batch_norm_backward_sums', variant, sumsKernel(variant), p);
  const bindings: Record<string, GpuStorage> = { g, x, mean, variance, sum_g: sumG, sum_g_xhat: sumGXhat };
  if (y && gOut) Object.assign(bindings, { y, g_out: gOut });
  rt.dispatch(kernel, bindings, uniforms(p), grid);
  return { sumG, sumGXhat, g: gOut };
}

export function batchNormBackwardInput(
  rt: GpuRuntime,
  g: GpuStorage,
  x: GpuStorage,
  mean: GpuStorage,
  variance: GpuStorage,
  scale: GpuStorage,
  sumG: GpuStorage,
  sumGXhat: GpuStorage,
  p: BatchNormParams,
): GpuStorage {
  const out = rt.alloc(x.size, 'batch_norm_backward_input');
  const { kernel, grid } = perElement('batch_norm_backward_input', p, x.size);
  rt.dispatch(kernel, { g, x, mean, variance, scale, sum_g: sumG, sum_g_xhat: sumGXhat, out }, uniforms(p), grid);
  return out;
}

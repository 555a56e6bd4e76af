// conv2d's weight gradient: gw[co, (ci, ky, kx)] = sum over pixels (b, oy, ox) of gy[b, co, oy, ox] * x[b, ci, iy, ix].
//
// A GEMM whose reduction (n * oh * ow) is long and whose result is small, so the reduction is split into slices of
// image rows (b, oy): each workgroup computes one block of gw over one slice into a slice-major temporary, then a second
// pass adds the slices in a fixed order. Deterministic (no float atomics), so a resumed run reproduces an uninterrupted one
// bit for bit. Register-blocked like conv2d-gemm.ts: each invocation owns COLS weight columns (ci, ky, kx; 8, or 9 for a
// 3x3 kernel), reading x at its own addresses, and its workgroup's block of `cb` output channels, reading gy at
// addresses shared by the workgroup.
// When there are fewer columns than a workgroup's invocations times COLS (D.enc1: 3 x 4 x 4 = 48 against 512), the
// workgroup is split into `rowLanes` groups of `colLanes` invocations, each group over every rowLanes-th image row of the
// slice, into a temporary slice of its own: otherwise 90% of the invocations would compute padding.

import type { Conv2dParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, perElementMain, preamble, WG } from './common.ts';
import { laneParameter, sharedLoadHeader, sharedLoadSubgroup, sharedLoads } from './shared-loads.ts';

const WGS = 64;

/**
 * Weight columns per invocation: 8, or 9 for a 3x3 kernel, whose cIn x 9 columns 8 would cover only with a split
 * workgroup (a 64-channel 3x3 conv: 576 columns as 8 lanes x 8 row lanes of 8 columns, 8 partial sums and a pass to
 * add them) where 9 covers them exactly with whole workgroups of 64 (or cIn) lanes and no partial sums. The latent
 * 3x3 convs' weight gradients at 32x32 (n 16, 4x4 maps): 64 -> 64 1517-1596 -> 968-992 us, 64 -> 32 858-870 -> 529-557,
 * 32 -> 64 876-930 -> 693-695 (AVX-512 code); AVX2 code 1701 -> 1100, 864 -> 528, 1040 -> 687 us.
 */
const columnsPerLane = (p: Conv2dParams) => (p.kh * p.kw === 9 ? 9 : 8);

/** Output channels per workgroup: 16 is fastest, smaller blocks waste less when there are few channels. */
const channelBlock = (channels: number) => (channels <= 4 ? 4 : channels <= 8 ? 8 : 16);

/**
 * The product pass for a block of `cb` output channels; with `subgroup` > 0 the block's gy values at a pixel are loaded
 * once per subgroup (shared-loads.ts), which needs every lane of a subgroup on the same image rows (see conv2dGradWeight).
 */
const productKernel = cached((shape: string): KernelSource => {
  const [cb, subgroup, cols] = shape.split('x').map(Number);
  // Per pixel: the block's gy values, then its FMAs.
  const products = subgroup
    ? [
        ...sharedLoads(subgroup, cb, 'gv', (j) => `gy[gyRow + min(co0 + ${j}, params.cOut - 1u) * outPlane + ox]`),
        'for (var j = 0u; j < CB; j += 1u) {',
        '  for (var i = 0u; i < COLS; i += 1u) { acc[i][j] = fma(v[i], gv[j], acc[i][j]); }',
        '}',
      ]
    : [
        'for (var j = 0u; j < CB; j += 1u) {',
        '  let gv = gy[gyRow + gyChannel[j] + ox];',
        '  for (var i = 0u; i < COLS; i += 1u) { acc[i][j] = fma(v[i], gv, acc[i][j]); }',
        '}',
      ];
  return {
    name: 'conv2d_grad_weight',
    key: `conv2d_grad_weight:${shape}`,
    source: () => /* wgsl */ `
${sharedLoadHeader(subgroup)}
const WGS = ${WGS}u;
const COLS = ${cols}u;
const CB = ${cb}u;
struct Params {
  n: u32, cIn: u32, h: u32, w: u32, cOut: u32, kh: u32, kw: u32, oh: u32, ow: u32,
  strideH: u32, strideW: u32, padH: u32, padW: u32, dilationH: u32, dilationW: u32,
  cols: u32, rowsPerSlice: u32, colBlocks: u32, coBlocks: u32, groups: u32, colLanes: u32, rowLanes: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WGS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32${laneParameter(subgroup)}) {
  let g = wid.y * nwg.x + wid.x;
  if (g >= params.groups) { return; }
  let col0 = (g % params.colBlocks) * params.colLanes * COLS + lid % params.colLanes;
  let rowLane = lid / params.colLanes;
  let co0 = ((g / params.colBlocks) % params.coBlocks) * CB;
  let slice = g / (params.colBlocks * params.coBlocks);
  let inPlane = params.h * params.w;
  let outPlane = params.oh * params.ow;

  // Where this invocation's columns read x, relative to an output pixel; fixed for the whole reduction.
  let taps = params.kh * params.kw;
  var colOk: array<bool, COLS>;
  var xChannel: array<u32, COLS>;
  var dy: array<i32, COLS>;
  var dx: array<i32, COLS>;
  for (var i = 0u; i < COLS; i += 1u) {
    let col = col0 + i * params.colLanes;
    colOk[i] = col < params.cols;
    xChannel[i] = (col / taps) * inPlane;
    dy[i] = i32((col % taps) / params.kw * params.dilationH) - i32(params.padH);
    dx[i] = i32((col % taps) % params.kw * params.dilationW) - i32(params.padW);
  }
  // Channels past the last read the last channel's gradient and are never stored.
  var gyChannel: array<u32, CB>;
  for (var j = 0u; j < CB; j += 1u) { gyChannel[j] = min(co0 + j, params.cOut - 1u) * outPlane; }

  var acc: array<array<f32, CB>, COLS>;
  let first = slice * params.rowsPerSlice;
  let last = min(first + params.rowsPerSlice, params.n * params.oh);
  for (var r = first + rowLane; r < last; r += params.rowLanes) {
    let image = r / params.oh;
    let oy = r % params.oh;
    var rowOk: array<bool, COLS>;
    var rowStart: array<u32, COLS>;
    for (var i = 0u; i < COLS; i += 1u) {
      let iy = i32(oy * params.strideH) + dy[i];
      rowOk[i] = colOk[i] && iy >= 0 && iy < i32(params.h);
      rowStart[i] = image * params.cIn * inPlane + xChannel[i] + u32(iy) * params.w;
    }
    let gyRow = image * params.cOut * outPlane + oy * params.ow;
    for (var ox = 0u; ox < params.ow; ox += 1u) {
      var v: array<f32, COLS>;
      for (var i = 0u; i < COLS; i += 1u) {
        let ix = i32(ox * params.strideW) + dx[i];
        let ok = rowOk[i] && ix >= 0 && ix < i32(params.w);
        v[i] = select(0.0, x[select(0u, rowStart[i] + u32(ix), ok)], ok);
      }
      ${products.join('\n      ')}
    }
  }

  let base = (slice * params.rowLanes + rowLane) * params.cOut * params.cols;
  for (var j = 0u; j < CB; j += 1u) {
    if (co0 + j >= params.cOut) { break; }
    for (var i = 0u; i < COLS; i += 1u) {
      let col = col0 + i * params.colLanes;
      if (col >= params.cols) { break; }
      part[base + (co0 + j) * params.cols + col] = acc[i][j];
    }
  }
}`,
  };
});

/** Adds the slices in order (deterministic); `vec4` when a slice is a whole number of vec4s. */
const sumKernel = cached((width: string): KernelSource => {
  const type = width === 'vec4' ? 'vec4<f32>' : 'f32';
  return {
    name: 'conv2d_grad_weight_sum',
    key: `conv2d_grad_weight_sum:${width}`,
    source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, slices: u32 }
@group(0) @binding(0) var<storage, read> part: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<${type}>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  var sum = ${type}(0.0);
  for (var s = 0u; s < params.slices; s += 1u) { sum += part[s * params.n + i]; }
  out[i] = sum;
}`,
  };
});

/**
 * Invocations of a workgroup that share its rows, each owning `perLane` columns: the number (a power of two dividing the
 * workgroup, from 8 up where that is enough, so that subgroups can share gy loads) whose blocks pad `cols` least, the
 * largest of those. The latent block's 3x3 conv has 64 x 9 = 576 columns: 64 lanes computed 1024 of them (two blocks
 * of 512), and its weight gradient ran at half the rate of the 4x4 convs' (12 against 21 GFLOP/s); 8 lanes cover 576.
 */
function columnLanes(cols: number, perLane: number): number {
  // The fewest lanes whose `perLane` columns each cover `cols`, then halvings of it down to 8.
  const fewest = Math.min(WGS, 2 ** Math.ceil(Math.log2(Math.ceil(cols / perLane))));
  const padded = (lanes: number) => Math.ceil(cols / (lanes * perLane)) * lanes;
  return [fewest, fewest / 2, fewest / 4, fewest / 8]
    .filter((lanes) => lanes >= Math.min(8, fewest))
    .reduce((best, lanes) => (padded(lanes) < padded(best) ? lanes : best));
}

/** Enough workgroups to fill a large GPU, but no slice shorter than MIN_SLICE pixels per row lane (the sum pass would dominate). */
const TARGET_WORKGROUPS = 256;
const MIN_SLICE = 256;

export function conv2dGradWeight(rt: GpuRuntime, x: GpuStorage, gy: GpuStorage, p: Conv2dParams): GpuStorage {
  const cols = p.cIn * p.kh * p.kw;
  const size = p.cOut * cols;
  const cb = channelBlock(p.cOut);
  const perLane = columnsPerLane(p);
  const colLanes = columnLanes(cols, perLane);
  const rowLanes = WGS / colLanes;
  const colBlocks = Math.ceil(cols / (colLanes * perLane));
  const coBlocks = Math.ceil(p.cOut / cb);
  const imageRows = p.n * p.oh;
  const fitInBinding = Math.floor(rt.maxBindingBytes / 4 / Math.max(size * rowLanes, 1));
  const wanted = Math.min(
    Math.ceil(TARGET_WORKGROUPS / (colBlocks * coBlocks)),
    Math.ceil((imageRows * p.ow) / (MIN_SLICE * rowLanes)),
    fitInBinding,
  );
  const rowsPerSlice = Math.max(1, Math.ceil(imageRows / Math.max(wanted, 1)));
  const slices = Math.max(1, Math.ceil(imageRows / rowsPerSlice));
  const partials = slices * rowLanes;

  const gw = rt.alloc(size, 'conv2d_grad_weight');
  const part = partials > 1 ? rt.alloc(partials * size, 'conv2d_grad_weight_parts') : gw;
  const groups = colBlocks * coBlocks * slices;
  const uniforms = {
    n: p.n,
    cIn: p.cIn,
    h: p.h,
    w: p.w,
    cOut: p.cOut,
    kh: p.kh,
    kw: p.kw,
    oh: p.oh,
    ow: p.ow,
    strideH: p.strideH,
    strideW: p.strideW,
    padH: p.padH,
    padW: p.padW,
    dilationH: p.dilationH,
    dilationW: p.dilationW,
    cols,
    rowsPerSlice,
    colBlocks,
    coBlocks,
    groups,
    colLanes,
    rowLanes,
  };
  // Shared gy loads need whole subgroups inside one group of column lanes, all on the same rows (lavapipe forms
  // subgroups of consecutive invocation indices).
  const sharedOver = sharedLoadSubgroup(rt);
  const subgroup = sharedOver && colLanes % sharedOver === 0 ? sharedOver : 0;
  rt.dispatch(productKernel(`${cb}x${subgroup}x${perLane}`), { x, gy, part }, uniforms, grid1d(groups, 1));
  if (part !== gw) {
    // One f32 per invocation cost 4-5x the time per element of vec4s in the element-wise kernels on lavapipe.
    const n = size % 4 === 0 ? size / 4 : size;
    rt.dispatch(sumKernel(n === size ? 'f32' : 'vec4'), { part, out: gw }, { n, slices: partials }, grid1d(n, WG));
    rt.release(part);
  }
  return gw;
}

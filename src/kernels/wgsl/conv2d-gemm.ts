// Implicit-GEMM convolution, shared by conv2d's forward and its input gradient (conv_transpose2d's forward).
//
// Both are out[b, c, at(r, q)] = sum over (ch, ty, tx) of src[b, ch, y, x] * wt[c, ch, ky, kx] on a grid of output
// positions (r, q), with every coordinate affine in its indices:
//   y  = r * rowMulY + ty * tapMulY + offY        (read as 0 outside the source: zero padding)
//   ky = ky0 + ty * kyStep                        (the taps that contribute; all kh of them for the forward)
//   at = (r * outStepY + outOffY, q * outStepX + outOffX)
// and the same along x. Each output position can also own a block of blockH x blockW positions starting at
// (r * outStepY + blockOffY, ...), of which it writes zeros to all but `at`: the input gradient of a strided conv whose
// taps reach one phase only (a 1x1 stride-2 downsample) then writes the other phases' zeros in the same dispatch.
// As a GEMM: rows m = (b, r, q), columns c, reduction k = (ch, ty, tx); the im2col matrix is never built, the loads compute
// its addresses.
//
// Register blocking without workgroup memory: each invocation owns PIXELS rows (strided by the workgroup size, so
// neighbouring invocations read neighbouring pixels) and a block of `cb` columns shared by its whole workgroup. Per
// reduction step it reads PIXELS source values and cb weights at addresses that are the same for every invocation of the
// workgroup (a broadcast), then does PIXELS * cb FMAs. The reduction runs as nested loops over (ch, ty, tx), so no
// integer division happens inside it. On lavapipe this ran 4.8x faster than a shared-memory tiled GEMM with 4x4 outputs
// per invocation (12.5 vs 2.6 GFLOP/s, n 16, 64 -> 128 channels, 32x32, 4x4 stride 2): there every workgroup-memory read
// is a per-lane gather, and memory reads, not FMAs, bound the time; 8 x 16 blocks do the most FMAs per read that still ran
// faster (8 x 8: 9 GFLOP/s, 16 x 16: 6). A discrete GPU may favour a shared-memory tile; no such device was at hand.
// On CPU adapters the weights are loaded once per subgroup and broadcast (shared-loads.ts): 0.65-0.8 of the time; and
// each step covers two source channels (CHANNEL_GROUP).

import type { GpuRuntime, GpuStorage, KernelSource } from '../runtime.ts';
import { grid1d } from '../runtime.ts';
import { cached } from './common.ts';
import { laneParameter, sharedLoadHeader, sharedLoadSubgroup, sharedLoads } from './shared-loads.ts';

/** What differs between the GEMMs of one dispatch (the phases of an input gradient): where they read and write. */
export interface ConvGemmPhase {
  rows: number; // output grid R x Q
  cols: number;
  outOffY: number;
  outOffX: number;
  blockOffY: number;
  blockOffX: number;
  offY: number;
  offX: number;
  ky0: number;
  kx0: number;
}

/** Implicit GEMMs that share everything but their phase. Field names other than `phases` are the kernel's uniforms. */
export interface ConvGemm {
  batch: number;
  outChannels: number; // GEMM columns
  outH: number;
  outW: number;
  outStepY: number;
  outStepX: number;
  blockH: number; // 1 x 1 blocks at the output positions, or stride-sized blocks with zeros around them
  blockW: number;
  channels: number; // source channels summed over
  tapsY: number;
  tapsX: number;
  srcH: number;
  srcW: number;
  rowMulY: number;
  rowMulX: number;
  tapMulY: number;
  tapMulX: number;
  wStrideOut: number; // weight elements between consecutive output channels c
  wStrideCh: number; // ... and between consecutive source channels ch
  kw: number;
  kyStep: number;
  kxStep: number;
  phases: ConvGemmPhase[];
}

/**
 * Phases per dispatch: a 4x4 stride-2 input gradient (or transposed convolution) has 4, each a GEMM a quarter of the
 * size. Run as one dispatch, they cost one dispatch's fixed cost instead of four (tens of microseconds on lavapipe) and
 * give its threads four times the workgroups.
 */
const MAX_PHASES = 4;

const PIXELS = 8;

/**
 * Source channels per step of the reduction on CPU adapters. Lavapipe keeps the 128 accumulators in memory and updates
 * each under the invocation mask (a load, a multiply, an add, a blend and a store: it splits fma), so two channels' FMAs
 * chained per update halve that traffic: the decoder's up-sampling (m 4096, n 16, k 128 phases) ran at 17.7-18.0
 * against 14.7-15.0 GFLOP/s (AVX-512 code) and 15.9-16.0 against 13.4-14.0 (AVX2 code); four channels ran at 8.5-9.7
 * (their loads and weights spill too). Odd channel counts end with one single-channel step.
 */
const CHANNEL_GROUP = 2;

/** Output channels per invocation: 16 is fastest, smaller blocks waste less when there are few channels. */
const channelBlock = (channels: number) => (channels <= 4 ? 4 : channels <= 8 ? 8 : 16);

const kernel = cached((key: string): KernelSource => {
  // shape: channel block x workgroup size x the subgroup size that shares the weight loads (0: none, see
  // shared-loads.ts), then the taps when the kernel has them as constants (see constantTaps); `+bias` when the stores
  // add a bias per output channel.
  const [shape, epilogue] = key.split('+');
  const bias = epilogue === 'bias';
  const [cb, wgs, subgroupText, tapsY, tapsX] = shape.split('x');
  const subgroup = Number(subgroupText);
  const [loopY, loopX] = tapsY ? [`${tapsY}u`, `${tapsX}u`] : ['params.tapsY', 'params.tapsX'];
  // Per reduction step: the block's weights (the same for the whole workgroup), then its FMAs, for `group` source
  // channels at once (see CHANNEL_GROUP): value k of a group is v_k[i] x wv_k[j].
  const products = (group: number) =>
    subgroup
      ? [
          ...Array.from({ length: group }, (_, k) =>
            sharedLoads(
              subgroup,
              Number(cb),
              `wv_${k}`,
              (j) =>
                `wt[min(c0 + ${j}, params.outChannels - 1u) * params.wStrideOut + wtTap + ${k}u * params.wStrideCh]`,
            ),
          ).flat(),
          'for (var j = 0u; j < CB; j += 1u) {',
          `  for (var i = 0u; i < PIXELS; i += 1u) { acc[i][j] = ${Array.from({ length: group }, (_, k) => k).reduce((e, k) => `fma(v_${k}[i], wv_${k}[j], ${e})`, 'acc[i][j]')}; }`,
          '}',
        ]
      : [
          'for (var j = 0u; j < CB; j += 1u) {',
          '  let wv = wt[wtRow[j] + wtTap];',
          '  for (var i = 0u; i < PIXELS; i += 1u) { acc[i][j] = fma(v_0[i], wv, acc[i][j]); }',
          '}',
        ];
  // The reduction over the taps of `group` source channels from ch.
  const channelStep = (group: number) => `
    for (var ty = 0u; ty < ${loopY}; ty += 1u) {
      var rowOk: array<bool, PIXELS>;
      var rowStart: array<u32, PIXELS>;
      for (var i = 0u; i < PIXELS; i += 1u) {
        let y = y0[i] + i32(ty) * params.tapMulY;
        rowOk[i] = pixelOk[i] && y >= 0 && y < i32(params.srcH);
        rowStart[i] = srcImage[i] + (ch * params.srcH + u32(y)) * params.srcW;
      }
      let wtTaps = ch * params.wStrideCh + (ky0 + ty * params.kyStep) * params.kw + kx0;
      for (var tx = 0u; tx < ${loopX}; tx += 1u) {
        ${Array.from({ length: group }, (_, k) => `var v_${k}: array<f32, PIXELS>;`).join('\n        ')}
        for (var i = 0u; i < PIXELS; i += 1u) {
          let x = x0[i] + i32(tx) * params.tapMulX;
          let ok = rowOk[i] && x >= 0 && x < i32(params.srcW);
          let at = select(0u, rowStart[i] + u32(x), ok);
          ${Array.from({ length: group }, (_, k) => `v_${k}[i] = select(0.0, src[at${k ? ` + ${k}u * params.srcH * params.srcW` : ''}], ok);`).join('\n          ')}
        }
        let wtTap = wtTaps + tx * params.kxStep;
        ${products(group).join('\n        ')}
      }
    }`;
  const group = subgroup ? CHANNEL_GROUP : 1;
  return {
    name: 'conv2d_gemm',
    key: `conv2d_gemm:${key}`,
    source: () => /* wgsl */ `
${sharedLoadHeader(subgroup)}
const WGS = ${wgs}u;
const PIXELS = ${PIXELS}u;
const CB = ${cb}u;
struct Params {
  batch: u32, outChannels: u32, outH: u32, outW: u32, outStepY: u32, outStepX: u32,
  blockH: u32, blockW: u32, channels: u32, tapsY: u32, tapsX: u32, srcH: u32, srcW: u32,
  rowMulY: i32, rowMulX: i32, tapMulY: i32, tapMulX: i32,
  wStrideOut: u32, wStrideCh: u32, kw: u32, kyStep: u32, kxStep: u32,
  groups: u32, phaseCount: u32,
  // Per phase, three vec4s: (rows, cols, row blocks, first workgroup), (outOffY, outOffX, blockOffY, blockOffX),
  // (offY, offX, ky0, kx0).
  phases: array<vec4<i32>, ${3 * MAX_PHASES}>,
}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${bias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
@group(0) @binding(${bias ? 4 : 3}) var<uniform> params: Params;

// GEMM row -> (image, grid row, grid column) on a rows x cols grid.
fn split_row(m: u32, rows: u32, cols: u32) -> vec3<u32> {
  let plane = rows * cols;
  let rq = m % plane;
  return vec3<u32>(m / plane, rq / cols, rq % cols);
}

@compute @workgroup_size(${wgs})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32${laneParameter(subgroup)}) {
  let flat = wid.y * nwg.x + wid.x;
  if (flat >= params.groups) { return; }
  // The phase this workgroup works on: each phase owns a run of consecutive workgroups.
  var phase = 0u;
  for (; phase + 1u < params.phaseCount; phase += 1u) {
    if (flat < u32(params.phases[3u * (phase + 1u)].w)) { break; }
  }
  let grid = vec4<u32>(params.phases[3u * phase]);
  let outOff = vec4<u32>(params.phases[3u * phase + 1u]);
  let srcOff = params.phases[3u * phase + 2u];
  let rows = grid.x;
  let cols = grid.y;
  let mBlocks = grid.z;
  let mRows = params.batch * rows * cols;
  let ky0 = u32(srcOff.z);
  let kx0 = u32(srcOff.w);
  let g = flat - grid.w;
  let m0 = (g % mBlocks) * WGS * PIXELS + lid;
  let c0 = (g / mBlocks) * CB;

  // Where this invocation's pixels read the source, fixed for the whole reduction.
  var pixelOk: array<bool, PIXELS>;
  var srcImage: array<u32, PIXELS>;
  var y0: array<i32, PIXELS>;
  var x0: array<i32, PIXELS>;
  for (var i = 0u; i < PIXELS; i += 1u) {
    let m = m0 + i * WGS;
    let at = split_row(m, rows, cols);
    pixelOk[i] = m < mRows;
    srcImage[i] = at.x * params.channels * params.srcH * params.srcW;
    y0[i] = i32(at.y) * params.rowMulY + srcOff.x;
    x0[i] = i32(at.z) * params.rowMulX + srcOff.y;
  }
  // Columns past the last channel read the last channel's weights and are never stored.
  var wtRow: array<u32, CB>;
  for (var j = 0u; j < CB; j += 1u) { wtRow[j] = min(c0 + j, params.outChannels - 1u) * params.wStrideOut; }

  var acc: array<array<f32, CB>, PIXELS>;
  var ch = 0u;
  ${
    group > 1
      ? `for (; ch + ${group - 1}u < params.channels; ch += ${group}u) {${channelStep(group)}
  }`
      : ''
  }
  for (; ch < params.channels; ch += 1u) {${channelStep(1)}
  }

  let outPlane = params.outH * params.outW;
  for (var i = 0u; i < PIXELS; i += 1u) {
    let m = m0 + i * WGS;
    if (m >= mRows) { break; }
    let at = split_row(m, rows, cols);
    let image = at.x * params.outChannels * outPlane;
    let valueY = at.y * params.outStepY + outOff.x;
    let valueX = at.z * params.outStepX + outOff.y;
    for (var dy = 0u; dy < params.blockH; dy += 1u) {
      let y = at.y * params.outStepY + outOff.z + dy;
      if (y >= params.outH) { break; }
      for (var dx = 0u; dx < params.blockW; dx += 1u) {
        let x = at.z * params.outStepX + outOff.w + dx;
        if (x >= params.outW) { break; }
        let isValue = y == valueY && x == valueX;
        for (var j = 0u; j < CB; j += 1u) {
          if (c0 + j >= params.outChannels) { break; }
          out[image + (c0 + j) * outPlane + y * params.outW + x] = select(0.0, acc[i][j], isValue)${bias ? ' + bias[c0 + j]' : ''};
        }
      }
    }
  }
}`,
  };
});

/**
 * Invocations per workgroup: the largest of 64, 32, 16 and 8 that pads the GEMM's rows least. A workgroup covers
 * size x PIXELS rows, so a GEMM of 256 rows (D.disc4: 16 images of 4x4 outputs) would compute as many padding rows as
 * real ones with 64: its forward ran 1.7x and its input gradient 1.9x faster with 32. The discriminator's last stride-2
 * layer at 32x32 has 64 rows (16 images of 2x2), three quarters padding even with 32. 16 and 8 only on CPU adapters,
 * whose SIMD width is 8: on a GPU a workgroup narrower than its 32- or 64-wide wave leaves the rest of the wave idle.
 */
const workgroupSize = (ms: number[], cpu: boolean) => {
  const padded = (size: number) => ms.reduce((rows, m) => rows + Math.ceil(m / (size * PIXELS)) * size, 0);
  return (cpu ? [64, 32, 16, 8] : [64, 32]).reduce((best, size) => (padded(size) < padded(best) ? size : best));
};

/**
 * Whether a GEMM's kernel gets its taps as constants, so the shader compiler can unroll the loops over them. Measured on
 * lavapipe (CPU time per dispatch, variants alternated in one process, AVX-512 and AVX2 code): 1x1 convolutions took
 * 0.6-0.74 of the time (the tap loops vanish), 3x3 0.84-0.88, 4x4 0.93; a GEMM with a single output channel 1.3-1.8.
 * The input gradients' 2x2 phases (transposed convolutions) took 1.1-1.96 with one source channel per step (unrolled
 * whole, its 128 accumulators spilled); with two channels per step (CHANNEL_GROUP) they take 0.75-0.84 (the decoder's
 * up-sampling at 32x32 and 8x8: 1223-1342 -> 964-1206 us, 1160-1280 -> 956-1046 us, both code kinds).
 */
const constantTaps = (g: ConvGemm) =>
  g.outChannels >= 8 && ((g.tapsX === 1 && g.tapsY === 1) || (g.tapsX === 2 && g.tapsY === 2) || g.tapsX >= 3);

/**
 * Runs the GEMMs of `g`'s phases into `out`, which other dispatches may be filling elsewhere, up to MAX_PHASES per
 * dispatch; with `bias`, every output they store (the zeros of empty blocks too) gets bias[c] added: a convolution's
 * bias without a pass of its own.
 */
export function convGemm(
  rt: GpuRuntime,
  src: GpuStorage,
  wt: GpuStorage,
  out: GpuStorage,
  g: ConvGemm,
  bias: GpuStorage | null = null,
): void {
  const { phases: all, ...shared } = g;
  const cb = channelBlock(g.outChannels);
  const colGroups = Math.ceil(g.outChannels / cb);
  // Every lane of a workgroup uses the same weights, so any subgroup inside it can share their loads.
  const over = sharedLoadSubgroup(rt);
  for (let first = 0; first < all.length; first += MAX_PHASES) {
    const phases = all.slice(first, first + MAX_PHASES);
    const ms = phases.map((ph) => g.batch * ph.rows * ph.cols);
    const wgs = workgroupSize(ms, rt.info.isFallbackAdapter);
    const subgroup = over && wgs % over === 0 ? over : 0;
    const base = `${cb}x${wgs}x${subgroup}`;
    const shape = constantTaps(g) ? `${base}x${g.tapsY}x${g.tapsX}` : base;
    let groups = 0;
    const table = new Array<number>(12 * MAX_PHASES).fill(0);
    phases.forEach((ph, k) => {
      const mBlocks = Math.ceil(ms[k] / (wgs * PIXELS));
      table.splice(
        12 * k,
        12,
        ph.rows,
        ph.cols,
        mBlocks,
        groups,
        ph.outOffY,
        ph.outOffX,
        ph.blockOffY,
        ph.blockOffX,
        ph.offY,
        ph.offX,
        ph.ky0,
        ph.kx0,
      );
      groups += mBlocks * colGroups;
    });
    const bindings: Record<string, GpuStorage> = bias ? { src, wt, out, bias } : { src, wt, out };
    const uniforms = { ...shared, groups, phaseCount: phases.length, phases: table };
    rt.dispatch(kernel(bias ? `${shape}+bias` : shape), bindings, uniforms, grid1d(groups, 1));
  }
}

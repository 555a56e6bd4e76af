// conv2d's input gradient, which is also conv_transpose2d's forward: a gather over output positions.
//
// gx[b, ci, iy, ix] sums gy[b, co, oy, ox] * w[co, ci, ky, kx] over oy * stride - pad + ky * dilation = iy. With stride s
// only the taps with (iy + pad - ky * dilation) divisible by s contribute, and which ones depends only on iy mod s. So the
// input pixels are split into s_h * s_w phases (iy = py + s * r); within a phase the contributing taps form an arithmetic
// progression and oy = r + offset - t * step, a dense stride-1 correlation that runs as one implicit GEMM with no
// structural zeros (and no dilated copy of gy). Pixels past what oh implies (output_padding) simply get the sum's value.
// When the taps reach only one phase along an axis (a kernel no larger than the stride, such as a 1x1 stride-2
// downsample), the other phases there are all zeros: that one GEMM writes them too (stride-sized blocks) instead of a
// GEMM per empty phase.

import type { Conv2dParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import { convGemm, type ConvGemm } from './conv2d-gemm.ts';

/** Taps of a kernel axis that reach input positions ≡ phase (mod stride), and how they map to output positions. */
function phaseTaps(phase: number, pad: number, stride: number, dilation: number, k: number) {
  const taps: number[] = [];
  for (let t = 0; t < k; t++) if ((((phase + pad - t * dilation) % stride) + stride) % stride === 0) taps.push(t);
  const first = taps[0] ?? 0;
  const step = taps.length > 1 ? taps[1] - taps[0] : 1;
  return {
    first,
    step,
    count: taps.length,
    off: (phase + pad - first * dilation) / stride, // output position of the first tap at r = 0; exact by construction
    mul: taps.length > 1 ? -(step * dilation) / stride : 0, // output position change per tap; exact likewise
  };
}

/** The GEMMs along one axis: one per phase, or one whose blocks also cover the empty phases when only one has taps. */
function axisPasses(size: number, pad: number, stride: number, dilation: number, k: number) {
  const phases = Array.from({ length: Math.min(stride, size) }, (_, phase) => ({
    phase,
    taps: phaseTaps(phase, pad, stride, dilation, k),
  }));
  const tapped = phases.filter((ph) => ph.taps.count > 0);
  if (tapped.length === 1) {
    const { phase, taps } = tapped[0];
    return [{ taps, outOff: phase, rows: Math.ceil(size / stride), block: stride, blockOff: 0 }];
  }
  return phases.map(({ phase, taps }) => ({
    taps,
    outOff: phase,
    rows: Math.ceil((size - phase) / stride),
    block: 1,
    blockOff: phase,
  }));
}

/** Also conv_transpose2d's forward: `bias` ([cIn]) is added to every output, in each GEMM's stores. */
export function conv2dGradInput(
  rt: GpuRuntime,
  gy: GpuStorage,
  w: GpuStorage,
  p: Conv2dParams,
  bias: GpuStorage | null = null,
): GpuStorage {
  const gx = rt.alloc(p.n * p.cIn * p.h * p.w, 'conv2d_grad_input');
  // One GEMM per (y, x) pair of phases; those with the same taps, steps and blocks share a dispatch.
  const gemms = new Map<string, ConvGemm>();
  for (const y of axisPasses(p.h, p.padH, p.strideH, p.dilationH, p.kh)) {
    for (const x of axisPasses(p.w, p.padW, p.strideW, p.dilationW, p.kw)) {
      const [ty, tx] = [y.taps, x.taps];
      const shared = {
        batch: p.n,
        outChannels: p.cIn,
        outH: p.h,
        outW: p.w,
        outStepY: p.strideH,
        outStepX: p.strideW,
        blockH: y.block,
        blockW: x.block,
        channels: p.cOut,
        tapsY: ty.count,
        tapsX: tx.count,
        srcH: p.oh,
        srcW: p.ow,
        rowMulY: 1,
        rowMulX: 1,
        tapMulY: ty.mul,
        tapMulX: tx.mul,
        wStrideOut: p.kh * p.kw,
        wStrideCh: p.cIn * p.kh * p.kw,
        kw: p.kw,
        kyStep: ty.step,
        kxStep: tx.step,
      };
      const key = JSON.stringify(shared);
      if (!gemms.has(key)) gemms.set(key, { ...shared, phases: [] });
      gemms.get(key)!.phases.push({
        rows: y.rows,
        cols: x.rows,
        outOffY: y.outOff,
        outOffX: x.outOff,
        blockOffY: y.blockOff,
        blockOffX: x.blockOff,
        offY: ty.off,
        offX: tx.off,
        ky0: ty.first,
        kx0: tx.first,
      });
    }
  }
  for (const gemm of gemms.values()) convGemm(rt, gy, w, gx, gemm, bias);
  return gx;
}

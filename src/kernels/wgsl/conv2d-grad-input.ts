// conv2d's input gradient, which is also conv_transpose2d's forward: a gather over output positions.
//
// gx[b, ci, iy, ix] sums gy[b, co, oy, ox] * w[co, ci, ky, kx] over oy * stride - pad + ky * dilation = iy. With stride s
// only the taps with (iy + pad - ky * dilation) divisible by s contribute, and which ones depends only on iy mod s. So the
// input pixels are split into s_h * s_w phases (iy = py + s * r); within a phase the contributing taps form an arithmetic
// progression and oy = r + offset - t * step, a dense stride-1 correlation that runs as one implicit GEMM with no
// structural zeros (and no dilated copy of gy). Pixels past what oh implies (output_padding) simply get the sum's value.

import type { Conv2dParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import { convGemm } from './conv2d-gemm.ts';

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

export function conv2dGradInput(rt: GpuRuntime, gy: GpuStorage, w: GpuStorage, p: Conv2dParams): GpuStorage {
  const gx = rt.alloc(p.n * p.cIn * p.h * p.w, 'conv2d_grad_input');
  for (let py = 0; py < Math.min(p.strideH, p.h); py++) {
    const ty = phaseTaps(py, p.padH, p.strideH, p.dilationH, p.kh);
    for (let px = 0; px < Math.min(p.strideW, p.w); px++) {
      const tx = phaseTaps(px, p.padW, p.strideW, p.dilationW, p.kw);
      convGemm(rt, gy, w, gx, {
        batch: p.n, rows: Math.ceil((p.h - py) / p.strideH), cols: Math.ceil((p.w - px) / p.strideW),
        outChannels: p.cIn, outH: p.h, outW: p.w, outStepY: p.strideH, outStepX: p.strideW, outOffY: py, outOffX: px,
        channels: p.cOut, tapsY: ty.count, tapsX: tx.count, srcH: p.oh, srcW: p.ow,
        rowMulY: 1, rowMulX: 1, tapMulY: ty.mul, tapMulX: tx.mul, offY: ty.off, offX: tx.off,
        wStrideOut: p.kh * p.kw, wStrideCh: p.cIn * p.kh * p.kw, kw: p.kw, ky0: ty.first, kyStep: ty.step, kx0: tx.first, kxStep: tx.step,
      });
    }
  }
  return gx;
}

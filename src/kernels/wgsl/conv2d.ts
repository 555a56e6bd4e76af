// conv2d forward as one implicit GEMM: rows are output pixels (b, oy, ox), columns output channels, the reduction runs over
// (ci, ky, kx) and reads the input at (oy * stride - pad + ky * dilation, ...).

import type { Conv2dParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import { convGemm } from './conv2d-gemm.ts';

export function conv2d(
  rt: GpuRuntime,
  x: GpuStorage,
  w: GpuStorage,
  p: Conv2dParams,
  bias: GpuStorage | null = null,
): GpuStorage {
  const y = rt.alloc(p.n * p.cOut * p.oh * p.ow, 'conv2d');
  convGemm(
    rt,
    x,
    w,
    y,
    {
      batch: p.n,
      outChannels: p.cOut,
      outH: p.oh,
      outW: p.ow,
      outStepY: 1,
      outStepX: 1,
      blockH: 1,
      blockW: 1,
      channels: p.cIn,
      tapsY: p.kh,
      tapsX: p.kw,
      srcH: p.h,
      srcW: p.w,
      rowMulY: p.strideH,
      rowMulX: p.strideW,
      tapMulY: p.dilationH,
      tapMulX: p.dilationW,
      wStrideOut: p.cIn * p.kh * p.kw,
      wStrideCh: p.kh * p.kw,
      kw: p.kw,
      kyStep: 1,
      kxStep: 1,
      phases: [
        {
          rows: p.oh,
          cols: p.ow,
          outOffY: 0,
          outOffX: 0,
          blockOffY: 0,
          blockOffX: 0,
          offY: -p.padH,
          offX: -p.padW,
          ky0: 0,
          kx0: 0,
        },
      ],
    },
    bias,
  );
  return y;
}

import type { Conv2dParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
export function conv2d(rt: GpuRuntime, x: GpuStorage, w: GpuStorage, p: Conv2dParams): GpuStorage { throw new Error('conv2d: not implemented'); }
export function conv2dGradInput(rt: GpuRuntime, gy: GpuStorage, w: GpuStorage, p: Conv2dParams): GpuStorage { throw new Error('not implemented'); }
export function conv2dGradWeight(rt: GpuRuntime, x: GpuStorage, gy: GpuStorage, p: Conv2dParams): GpuStorage { throw new Error('not implemented'); }

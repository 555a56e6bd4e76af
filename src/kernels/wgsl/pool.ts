import type { Pool2dParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
export function maxPool2d(rt: GpuRuntime, x: GpuStorage, p: Pool2dParams): { values: GpuStorage; indices: GpuStorage } { throw new Error('not implemented'); }
export function maxPool2dScatter(rt: GpuRuntime, gy: GpuStorage, indices: GpuStorage, p: Pool2dParams): GpuStorage { throw new Error('not implemented'); }
export function maxPool2dGather(rt: GpuRuntime, x: GpuStorage, indices: GpuStorage, p: Pool2dParams): GpuStorage { throw new Error('not implemented'); }
export function avgPool2d(rt: GpuRuntime, x: GpuStorage, p: Pool2dParams): GpuStorage { throw new Error('not implemented'); }
export function avgPool2dGrad(rt: GpuRuntime, gy: GpuStorage, p: Pool2dParams): GpuStorage { throw new Error('not implemented'); }

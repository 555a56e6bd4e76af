import type { GatherParams, PadParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
export function gather(rt: GpuRuntime, x: GpuStorage, p: GatherParams): GpuStorage { throw new Error('gather: not implemented'); }
export function pad(rt: GpuRuntime, x: GpuStorage, p: PadParams): GpuStorage { throw new Error('pad: not implemented'); }

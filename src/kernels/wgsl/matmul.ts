import type { MatmulParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
export function matmul(rt: GpuRuntime, a: GpuStorage, b: GpuStorage, p: MatmulParams): GpuStorage { throw new Error('matmul: not implemented'); }

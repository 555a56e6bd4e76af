import type { ReduceOp, ReduceParams } from '../../tensor/backend.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
export function reduce(rt: GpuRuntime, op: ReduceOp, x: GpuStorage, p: ReduceParams): GpuStorage { throw new Error('reduce: not implemented'); }

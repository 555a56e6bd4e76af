// Element-wise unary ops, one pipeline per op, generated from the table in src/tensor/elementwise.ts.

import type { UnaryOp } from '../../tensor/backend.ts';
import { unaryOps, wgslHelpers } from '../../tensor/elementwise.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, perElementMain, preamble, WG } from './common.ts';

const kernel = cached((op: string): KernelSource => ({
  name: op,
  key: `unary:${op}`,
  source: () => /* wgsl */ `
${preamble}
${wgslHelpers}
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

${perElementMain()}
  let x = x_in[i];
  let alpha = params.alpha;
  out[i] = ${unaryOps[op as UnaryOp].wgsl};
}`,
}));

export function unary(rt: GpuRuntime, op: UnaryOp, x: GpuStorage, alpha: number): GpuStorage {
  const out = rt.alloc(x.size, op);
  rt.dispatch(kernel(op), { x_in: x, out }, { n: x.size, alpha }, grid1d(x.size, WG));
  return out;
}

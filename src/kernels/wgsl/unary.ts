// Element-wise unary ops, one pipeline per op, generated from the table in src/tensor/elementwise.ts. When the size is a
// multiple of 4 each invocation reads and writes vec4s (perVec4Main): fewer invocations, and 16-byte accesses.

import type { UnaryOp } from '../../tensor/backend.ts';
import { unaryOps, wgslHelpers } from '../../tensor/elementwise.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, componentwise, perElementMain, perVec4Main, preamble, vec4Grid, WG } from './common.ts';

const kernel = cached((key: string): KernelSource => {
  const [op, width] = key.split('|');
  const type = width === 'vec4' ? 'vec4<f32>' : 'f32';
  const body =
    width === 'vec4'
      ? `${perVec4Main('params.n / 4u')}
    let x = x_in[i];
    out[i] = ${componentwise((c) => `op(x.${c}, params.alpha)`)};
  }`
      : `${perElementMain()}
  out[i] = op(x_in[i], params.alpha);`;
  return {
    name: op,
    key: `unary:${key}`,
    source: () => /* wgsl */ `
${preamble}
${wgslHelpers}
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> x_in: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<${type}>;
@group(0) @binding(2) var<uniform> params: Params;

fn op(x: f32, alpha: f32) -> f32 { return ${unaryOps[op as UnaryOp].wgsl}; }

${body}
}`,
  };
});

export function unary(rt: GpuRuntime, op: UnaryOp, x: GpuStorage, alpha: number): GpuStorage {
  const out = rt.alloc(x.size, op);
  const vec4 = x.size % 4 === 0;
  rt.dispatch(
    kernel(`${op}|${vec4 ? 'vec4' : 'f32'}`),
    { x_in: x, out },
    { n: x.size, alpha },
    vec4 ? vec4Grid(x.size) : grid1d(x.size, WG),
  );
  return out;
}

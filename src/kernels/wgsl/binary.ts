// Element-wise binary ops and `where`, with NumPy broadcasting by strides. Operands that are contiguous and of the output's
// shape take a variant without index arithmetic.

import type { BinaryOp, BroadcastParams } from '../../tensor/backend.ts';
import { binaryOps, wgslHelpers } from '../../tensor/elementwise.ts';
import { contiguousStrides, numel } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, collapseDims, perElementMain, preamble, rankArray, stridedOffsetWgsl, WG } from './common.ts';

type Operands = 'ab' | 'cab';
const WHERE = 'select(b, a, c != 0.0)';

const kernel = cached((key: string): KernelSource => {
  const [label, strided] = key.split('|');
  const operands: Operands = label === 'where' ? 'cab' : 'ab';
  const expr = label === 'where' ? WHERE : binaryOps[label as BinaryOp].wgsl;
  const names = operands === 'ab' ? ['a', 'b'] : ['c', 'a', 'b'];
  const read = (name: string, k: number) =>
    strided === 'strided' ? `${name}_in[strided_offset(i, params.rank, params.shape, params.strides${k})]` : `${name}_in[i]`;
  return {
    name: label,
    key: `binary:${key}`,
    source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
${wgslHelpers}
struct Params { n: u32, rank: u32, shape: array<vec4<u32>, 2>, ${names.map((_, k) => `strides${k}: array<vec4<u32>, 2>`).join(', ')} }
${names.map((n, k) => `@group(0) @binding(${k}) var<storage, read> ${n}_in: array<f32>;`).join('\n')}
@group(0) @binding(${names.length}) var<storage, read_write> out: array<f32>;
@group(0) @binding(${names.length + 1}) var<uniform> params: Params;

${perElementMain()}
  ${names.map((n, k) => `let ${n} = ${read(n, k)};`).join('\n  ')}
  out[i] = ${expr};
}`,
  };
});

function run(rt: GpuRuntime, inputs: GpuStorage[], p: BroadcastParams, label: string): GpuStorage {
  const n = numel(p.outShape);
  const out = rt.alloc(n, label);
  const contiguous = contiguousStrides(p.outShape);
  const isPlain = p.strides.every((s, k) => inputs[k].size === n && s.every((v, d) => v === contiguous[d] || p.outShape[d] === 1));
  const { shape, strides } = collapseDims(p.outShape, p.strides);
  const names = inputs.length === 2 ? ['a_in', 'b_in'] : ['c_in', 'a_in', 'b_in'];
  const bindings: Record<string, GpuStorage> = { out };
  names.forEach((name, k) => (bindings[name] = inputs[k]));
  const uniforms: Record<string, number | number[]> = { n, rank: shape.length, shape: rankArray(shape, label) };
  strides.forEach((s, k) => (uniforms[`strides${k}`] = rankArray(s, label)));
  rt.dispatch(kernel(`${label}|${isPlain ? 'plain' : 'strided'}`), bindings, uniforms, grid1d(n, WG));
  return out;
}

export function binary(rt: GpuRuntime, op: BinaryOp, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [a, b], p, op);
}

export function where(rt: GpuRuntime, cond: GpuStorage, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [cond, a, b], p, 'where');
}

// Element-wise binary ops and `where`, with NumPy broadcasting by strides. Three variants:
//   - vec4: the size is a multiple of 4 and every operand is either contiguous with the output's shape ('v', read as
//     array<vec4<f32>>) or a single broadcast value ('s', read once); each invocation computes several vec4s;
//   - plain: every operand is contiguous with the output's shape, one element per invocation without index arithmetic;
//   - strided: anything else, each operand read at its own strided offset.

import type { BinaryOp, BroadcastParams } from '../../tensor/backend.ts';
import { binaryOps, wgslHelpers } from '../../tensor/elementwise.ts';
import { contiguousStrides, numel } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import {
  cached,
  componentwise,
  collapseDims,
  perElementMain,
  perVec4Main,
  preamble,
  rankArray,
  stridedOffsetWgsl,
  vec4Grid,
  WG,
} from './common.ts';

const WHERE = 'select(b, a, c != 0.0)';

/** Operand names in binding order. */
const operandNames = (label: string) => (label === 'where' ? ['c', 'a', 'b'] : ['a', 'b']);

const kernel = cached((key: string): KernelSource => {
  // variant is 'plain', 'strided' or 'vec4:' followed by one letter per operand ('v' vec4, 's' single value).
  const [label, variant] = key.split('|');
  const names = operandNames(label);
  const expr = label === 'where' ? WHERE : binaryOps[label as BinaryOp].wgsl;
  const op = `fn op(${names.map((n) => `${n}: f32`).join(', ')}) -> f32 { return ${expr}; }`;
  const outBinding = `@group(0) @binding(${names.length}) var<storage, read_write> out`;
  const paramsBinding = `@group(0) @binding(${names.length + 1}) var<uniform> params: Params;`;
  if (variant.startsWith('vec4')) {
    const kinds = variant.slice('vec4:'.length);
    return {
      name: label,
      key: `binary:${key}`,
      source: () => /* wgsl */ `
${preamble}
${wgslHelpers}
struct Params { n: u32 }
${names.map((n, k) => `@group(0) @binding(${k}) var<storage, read> ${n}_in: array<${kinds[k] === 'v' ? 'vec4<f32>' : 'f32'}>;`).join('\n')}
${outBinding}: array<vec4<f32>>;
${paramsBinding}
${op}

${perVec4Main('params.n / 4u')}
    ${names.map((n, k) => `let ${n} = ${kinds[k] === 'v' ? `${n}_in[i]` : `vec4<f32>(${n}_in[0])`};`).join('\n    ')}
    out[i] = ${componentwise((c) => `op(${names.map((n) => `${n}.${c}`).join(', ')})`)};
  }
}`,
    };
  }
  const read = (name: string, k: number) =>
    variant === 'strided'
      ? `${name}_in[strided_offset(i, params.rank, params.shape, params.strides${k})]`
      : `${name}_in[i]`;
  return {
    name: label,
    key: `binary:${key}`,
    source: () => /* wgsl */ `
${preamble}
${stridedOffsetWgsl}
${wgslHelpers}
struct Params { n: u32, rank: u32, shape: array<vec4<u32>, 2>, ${names.map((_, k) => `strides${k}: array<vec4<u32>, 2>`).join(', ')} }
${names.map((n, k) => `@group(0) @binding(${k}) var<storage, read> ${n}_in: array<f32>;`).join('\n')}
${outBinding}: array<f32>;
${paramsBinding}
${op}

${perElementMain()}
  out[i] = op(${names.map(read).join(', ')});
}`,
  };
});

function run(rt: GpuRuntime, inputs: GpuStorage[], p: BroadcastParams, label: string): GpuStorage {
  const n = numel(p.outShape);
  const out = rt.alloc(n, label);
  const bindings: Record<string, GpuStorage> = { out };
  operandNames(label).forEach((name, k) => (bindings[`${name}_in`] = inputs[k]));
  const contiguous = contiguousStrides(p.outShape);
  const plain = p.strides.map(
    (s, k) => inputs[k].size === n && s.every((v, d) => v === contiguous[d] || p.outShape[d] === 1),
  );
  const single = inputs.map((x) => x.size === 1);
  if (n % 4 === 0 && plain.every((isPlain, k) => isPlain || single[k])) {
    const kinds = plain.map((isPlain) => (isPlain ? 'v' : 's')).join('');
    rt.dispatch(kernel(`${label}|vec4:${kinds}`), bindings, { n }, vec4Grid(n));
    return out;
  }
  const { shape, strides } = collapseDims(p.outShape, p.strides);
  const uniforms: Record<string, number | number[]> = { n, rank: shape.length, shape: rankArray(shape, label) };
  strides.forEach((s, k) => (uniforms[`strides${k}`] = rankArray(s, label)));
  rt.dispatch(kernel(`${label}|${plain.every(Boolean) ? 'plain' : 'strided'}`), bindings, uniforms, grid1d(n, WG));
  return out;
}

export function binary(rt: GpuRuntime, op: BinaryOp, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [a, b], p, op);
}

export function where(rt: GpuRuntime, cond: GpuStorage, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [cond, a, b], p, 'where');
}

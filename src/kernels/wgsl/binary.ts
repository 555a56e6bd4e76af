// Element-wise ops over broadcast operands: the binary ops, `where`, and fused expressions (src/tensor/expression.ts: a
// chain of the table's ops in one kernel), with NumPy broadcasting by strides. Four variants:
//   - vec4: the size is a multiple of 4 and every operand is contiguous with the output's shape ('v', read as
//     array<vec4<f32>>), a single broadcast value ('s', read once), or a row of values broadcast over runs of a multiple
//     of 4 elements ('r': a bias [1, c, 1, 1] over [n, c, h, w] with h * w a multiple of 4, Grad-CAM's weights
//     [n, c, 1, 1]), one value per vec4; each invocation computes several vec4s;
//   - plain: every operand is contiguous with the output's shape, one element per invocation without index arithmetic;
//   - fast (below FAST_INDEX_LIMIT elements) and strided: anything else, each operand read at its own strided offset,
//     with the division-free index arithmetic of common.ts or, for larger tensors, integer division.

import type { BinaryOp, BroadcastParams } from '../../tensor/backend.ts';
import { binaryOps, wgslHelpers } from '../../tensor/elementwise.ts';
import { exprFunctions, exprWgsl, type Expr } from '../../tensor/expression.ts';
import { contiguousStrides, numel } from '../../tensor/shape.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import {
  cached,
  componentwise,
  collapseDims,
  FAST_INDEX_LIMIT,
  fastDivWgsl,
  fastStridedOffsetWgsl,
  perElementMain,
  perVec4Main,
  preamble,
  rankArray,
  reciprocals,
  stridedOffsetWgsl,
  vec4Grid,
  WG,
} from './common.ts';

/** What a kernel computes per element: `op`'s operand names in binding order, its body and the functions it calls. */
interface Definition {
  name: string;
  names: string[];
  body: string;
  functions: string;
}

const whereDefinition: Definition = {
  name: 'where',
  names: ['c', 'a', 'b'],
  body: 'select(b, a, c != 0.0)',
  functions: '',
};

/** Fused expressions by label, registered by `elementwise` before its kernel is built. */
const fused = new Map<string, Definition>();
/** Each expression object's label and definition, so one built once is compiled to WGSL text once. */
const compiled = new WeakMap<Expr, { label: string; definition: Definition }>();

function definition(label: string): Definition {
  if (label === 'where') return whereDefinition;
  const op = binaryOps[label as BinaryOp];
  return op ? { name: label, names: ['a', 'b'], body: op.wgsl, functions: '' } : fused.get(label)!;
}

const kernel = cached((key: string): KernelSource => {
  // variant is 'plain', 'strided', 'fast' followed by the rank, or 'vec4:' followed by one letter per operand ('v' vec4,
  // 's' single value, 'r' row broadcast).
  const [label, variant] = key.split('|');
  const { name, names, body, functions } = definition(label);
  const op = `${functions}\nfn op(${names.map((n) => `${n}: f32`).join(', ')}) -> f32 { return ${body}; }`;
  const outBinding = `@group(0) @binding(${names.length}) var<storage, read_write> out`;
  const paramsBinding = `@group(0) @binding(${names.length + 1}) var<uniform> params: Params;`;
  if (variant.startsWith('vec4')) {
    const kinds = variant.slice('vec4:'.length);
    const rows = names.filter((_, k) => kinds[k] === 'r');
    const value = (n: string, k: number) =>
      kinds[k] === 'v'
        ? `${n}_in[i]`
        : kinds[k] === 's'
          ? `vec4<f32>(${n}_in[0])`
          : `vec4<f32>(${n}_in[row_index(i, params.${n}Inner, params.${n}InvInner, params.${n}Rows, params.${n}InvRows)])`;
    return {
      name,
      key: `binary:${key}`,
      source: () => /* wgsl */ `
${preamble}
${wgslHelpers}
${rows.length ? fastDivWgsl : ''}
struct Params { n: u32, ${rows.map((n) => `${n}Inner: u32, ${n}Rows: u32, ${n}InvInner: f32, ${n}InvRows: f32`).join(', ')} }
${names.map((n, k) => `@group(0) @binding(${k}) var<storage, read> ${n}_in: array<${kinds[k] === 'v' ? 'vec4<f32>' : 'f32'}>;`).join('\n')}
${outBinding}: array<vec4<f32>>;
${paramsBinding}
${op}
${
  rows.length
    ? `// The value of a row-broadcast operand at vec4 i: its elements repeat in runs of \`inner\` (a multiple of 4), \`rows\` runs.
fn row_index(i: u32, inner: u32, invInner: f32, rows: u32, invRows: f32) -> u32 {
  let run = fast_div(i * 4u, inner, invInner);
  return run - fast_div(run, rows, invRows) * rows;
}`
    : ''
}

${perVec4Main('params.n / 4u')}
    ${names.map((n, k) => `let ${n} = ${value(n, k)};`).join('\n    ')}
    out[i] = ${componentwise((c) => `op(${names.map((n) => `${n}.${c}`).join(', ')})`)};
  }
}`,
    };
  }
  const fast = variant.startsWith('fast');
  const read = (name: string, k: number) =>
    variant === 'plain'
      ? `${name}_in[i]`
      : fast
        ? `${name}_in[strided_offset_fast(i, params.shape, params.inv, params.strides${k})]`
        : `${name}_in[strided_offset(i, params.rank, params.shape, params.strides${k})]`;
  return {
    name,
    key: `binary:${key}`,
    source: () => /* wgsl */ `
${preamble}
${fast ? `${fastDivWgsl}\n${fastStridedOffsetWgsl(Number(variant.slice('fast'.length)))}` : stridedOffsetWgsl}
${wgslHelpers}
struct Params { n: u32, rank: u32, shape: array<vec4<u32>, 2>, inv: array<vec4<f32>, 2>, ${names.map((_, k) => `strides${k}: array<vec4<u32>, 2>`).join(', ')} }
${names.map((n, k) => `@group(0) @binding(${k}) var<storage, read> ${n}_in: array<f32>;`).join('\n')}
${outBinding}: array<f32>;
${paramsBinding}
${op}

${perElementMain()}
  out[i] = op(${names.map(read).join(', ')});
}`,
  };
});

/**
 * Whether an operand read with `strides` over `outShape` is a row broadcast: its own elements, in order, each repeated
 * over a run of `inner` consecutive outputs (a multiple of 4), the row repeating after `rows` runs.
 */
function rowBroadcast(
  outShape: readonly number[],
  strides: number[],
  size: number,
): { inner: number; rows: number } | null {
  const {
    shape,
    strides: [s],
  } = collapseDims(outShape, [strides]);
  const at = s.indexOf(1);
  if (at < 0 || s.some((v, d) => d !== at && v !== 0) || shape[at] !== size) return null;
  const inner = shape.slice(at + 1).reduce((a, b) => a * b, 1);
  return inner % 4 === 0 ? { inner, rows: size } : null;
}

function run(rt: GpuRuntime, inputs: GpuStorage[], p: BroadcastParams, label: string): GpuStorage {
  const n = numel(p.outShape);
  const { name, names } = definition(label);
  const out = rt.alloc(n, name);
  const bindings: Record<string, GpuStorage> = { out };
  names.forEach((name, k) => (bindings[`${name}_in`] = inputs[k]));
  const contiguous = contiguousStrides(p.outShape);
  const plain = p.strides.map(
    (s, k) => inputs[k].size === n && s.every((v, d) => v === contiguous[d] || p.outShape[d] === 1),
  );
  const fast = n < FAST_INDEX_LIMIT;
  const kinds = inputs.map((x, k) => {
    if (plain[k]) return 'v';
    if (x.size === 1) return 's';
    return fast && rowBroadcast(p.outShape, p.strides[k], x.size) ? 'r' : '-';
  });
  if (n % 4 === 0 && !kinds.includes('-')) {
    const uniforms: Record<string, number> = { n };
    names.forEach((name, k) => {
      if (kinds[k] !== 'r') return;
      const { inner, rows } = rowBroadcast(p.outShape, p.strides[k], inputs[k].size)!;
      Object.assign(uniforms, {
        [`${name}Inner`]: inner,
        [`${name}Rows`]: rows,
        [`${name}InvInner`]: 1 / inner,
        [`${name}InvRows`]: 1 / rows,
      });
    });
    rt.dispatch(kernel(`${label}|vec4:${kinds.join('')}`), bindings, uniforms, vec4Grid(n));
    return out;
  }
  const { shape, strides } = collapseDims(p.outShape, p.strides);
  const uniforms: Record<string, number | number[]> = {
    n,
    rank: shape.length,
    shape: rankArray(shape, name),
    inv: reciprocals(shape, name),
  };
  strides.forEach((s, k) => (uniforms[`strides${k}`] = rankArray(s, name)));
  const variant = plain.every(Boolean) ? 'plain' : fast ? `fast${shape.length}` : 'strided';
  rt.dispatch(kernel(`${label}|${variant}`), bindings, uniforms, grid1d(n, WG));
  return out;
}

export function binary(rt: GpuRuntime, op: BinaryOp, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [a, b], p, op);
}

export function where(rt: GpuRuntime, cond: GpuStorage, a: GpuStorage, b: GpuStorage, p: BroadcastParams): GpuStorage {
  return run(rt, [cond, a, b], p, 'where');
}

/** A fused expression over `inputs` (operand k is inputs[k]) in one kernel; `name` names it in errors and profiles. */
export function elementwise(
  rt: GpuRuntime,
  name: string,
  expr: Expr,
  inputs: GpuStorage[],
  p: BroadcastParams,
): GpuStorage {
  let known = compiled.get(expr);
  if (!known || known.definition.name !== name || known.definition.names.length !== inputs.length) {
    const body = exprWgsl(expr, (k) => `x${k}`);
    const names = inputs.map((_, k) => `x${k}`);
    known = {
      label: `fused:${name}:${names.length}:${body}`,
      definition: { name, names, body, functions: exprFunctions(expr) },
    };
    compiled.set(expr, known);
  }
  if (!fused.has(known.label)) fused.set(known.label, known.definition);
  return run(rt, inputs, p, known.label);
}

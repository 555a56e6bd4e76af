// Element-wise primitives. The per-element functions come from the shared op table, so the reference and the WGSL
// kernels compute the same formulas; operands are read through broadcast strides (0 on broadcast dimensions).

import type { BinaryOp, BroadcastParams, UnaryOp } from '../tensor/backend.ts';
import { binaryOps, unaryOps } from '../tensor/elementwise.ts';
import { evaluate, type Expr } from '../tensor/expression.ts';
import { stridedOffsets } from './strided.ts';

export function unary(op: UnaryOp, x: Float64Array, alpha: number): Float64Array {
  const f = unaryOps[op].ref;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], alpha);
  return out;
}

export function binary(op: BinaryOp, a: Float64Array, b: Float64Array, p: BroadcastParams): Float64Array {
  const f = binaryOps[op].ref;
  const ia = stridedOffsets(p.outShape, p.strides[0], 0);
  const ib = stridedOffsets(p.outShape, p.strides[1], 0);
  const out = new Float64Array(ia.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a[ia[i]], b[ib[i]]);
  return out;
}

/** a where cond is non-zero, else b. */
export function where(cond: Float64Array, a: Float64Array, b: Float64Array, p: BroadcastParams): Float64Array {
  const [ic, ia, ib] = p.strides.map((s) => stridedOffsets(p.outShape, s, 0));
  const out = new Float64Array(ic.length);
  for (let i = 0; i < out.length; i++) out[i] = cond[ic[i]] !== 0 ? a[ia[i]] : b[ib[i]];
  return out;
}

/** A fused expression, element by element, with operand k read from inputs[k] through p.strides[k]. */
export function elementwise(_name: string, expr: Expr, inputs: Float64Array[], p: BroadcastParams): Float64Array {
  const offsets = p.strides.map((s) => stridedOffsets(p.outShape, s, 0));
  const out = new Float64Array(p.outShape.reduce((a, b) => a * b, 1));
  const values = new Array<number>(inputs.length);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < inputs.length; k++) values[k] = inputs[k][offsets[k][i]];
    out[i] = evaluate(expr, values);
  }
  return out;
}

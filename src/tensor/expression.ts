// Element-wise expressions: a tree of the op table's unary and binary ops over numbered operands and constants, which
// the `elementwise` primitive evaluates in one kernel instead of one dispatch (and one pass over memory) per op. Both
// backends take their per-op formulas from the table in elementwise.ts, so a fused chain computes what the chain of
// separate ops computes: the WGSL kernel calls the table's f32 expressions, the reference its float64 functions.

import type { BinaryOp, Expr, UnaryOp } from './backend.ts';
import { binaryOps, unaryOps } from './elementwise.ts';

export type { Expr };

type Builders = { [K in UnaryOp]: (x: Expr, alpha?: number) => Expr } & {
  [K in BinaryOp]: (a: Expr, b: Expr | number) => Expr;
};

const lift = (e: Expr | number): Expr => (typeof e === 'number' ? { kind: 'constant', value: e } : e);

/**
 * Builds expressions with the ops' own names: `ex.mul(ex.operand(1), ex.addScalar(ex.gt(ex.operand(0), 0), 1))`.
 * A number in a binary op's place is a constant.
 */
export const ex: Builders & { operand: (index: number) => Expr; constant: (value: number) => Expr } = {
  ...(Object.fromEntries(
    Object.keys(unaryOps).map((op) => [op, (x: Expr, alpha = 0) => ({ kind: 'unary', op, x, alpha })]),
  ) as { [K in UnaryOp]: (x: Expr, alpha?: number) => Expr }),
  ...(Object.fromEntries(
    Object.keys(binaryOps).map((op) => [op, (a: Expr, b: Expr | number) => ({ kind: 'binary', op, a, b: lift(b) })]),
  ) as { [K in BinaryOp]: (a: Expr, b: Expr | number) => Expr }),
  operand: (index) => ({ kind: 'operand', index }),
  constant: (value) => ({ kind: 'constant', value }),
};

/** How many operands an expression reads: one more than its largest operand index. */
export function operandCount(e: Expr): number {
  switch (e.kind) {
    case 'operand':
      return e.index + 1;
    case 'constant':
      return 0;
    case 'unary':
      return operandCount(e.x);
    case 'binary':
      return Math.max(operandCount(e.a), operandCount(e.b));
  }
}

/** The float32 bits of a number, as WGSL and cache keys write a constant: exact for every value, NaN and infinities. */
const f32Bits = (value: number) => new Uint32Array(Float32Array.of(value).buffer)[0];

/**
 * The expression as WGSL, with `read(k)` for operand k. Constants are float32 bit patterns, so the kernel uses exactly
 * the value the float32 ops would, and the text doubles as the expression's cache key.
 */
export function exprWgsl(e: Expr, read: (index: number) => string): string {
  switch (e.kind) {
    case 'operand':
      return read(e.index);
    case 'constant':
      return `bitcast<f32>(${f32Bits(e.value)}u)`;
    case 'unary':
      return `u_${e.op}(${exprWgsl(e.x, read)}, bitcast<f32>(${f32Bits(e.alpha)}u))`;
    case 'binary':
      return `b_${e.op}(${exprWgsl(e.a, read)}, ${exprWgsl(e.b, read)})`;
  }
}

/** WGSL functions for the ops an expression uses, each the op table's expression (u_ unary, b_ binary). */
export function exprFunctions(e: Expr): string {
  const unary = new Set<UnaryOp>();
  const binary = new Set<BinaryOp>();
  const visit = (n: Expr): void => {
    if (n.kind === 'unary') {
      unary.add(n.op);
      visit(n.x);
    } else if (n.kind === 'binary') {
      binary.add(n.op);
      visit(n.a);
      visit(n.b);
    }
  };
  visit(e);
  return [
    ...[...unary].map((op) => `fn u_${op}(x: f32, alpha: f32) -> f32 { return ${unaryOps[op].wgsl}; }`),
    ...[...binary].map((op) => `fn b_${op}(a: f32, b: f32) -> f32 { return ${binaryOps[op].wgsl}; }`),
  ].join('\n');
}

/** The expression in float64, from the table's reference functions: what the chain of separate reference ops gives. */
export function evaluate(e: Expr, operands: readonly number[]): number {
  switch (e.kind) {
    case 'operand':
      return operands[e.index];
    case 'constant':
      return e.value;
    case 'unary':
      return unaryOps[e.op].ref(evaluate(e.x, operands), e.alpha);
    case 'binary':
      return binaryOps[e.op].ref(evaluate(e.a, operands), evaluate(e.b, operands));
  }
}

// The element-wise op table: one WGSL expression and one float64 reference per op. Kernels and the reference backend
// are both generated from it, so the two cannot drift apart; the backward rules live in src/autograd/ops/elementwise.ts.

import type { BinaryOp, UnaryOp } from './backend.ts';

export interface UnaryDef {
  /** WGSL expression in `x: f32` and `alpha: f32`; may call the helpers in `wgslHelpers`. */
  wgsl: string;
  ref: (x: number, alpha: number) => number;
}

export interface BinaryDef {
  /** WGSL expression in `a: f32` and `b: f32`. */
  wgsl: string;
  ref: (a: number, b: number) => number;
}

/** Helper functions the expressions may call. Kept branch-light: lavapipe runs them per element on the CPU. */
export const wgslHelpers = /* wgsl */ `
fn sigmoid_f(x: f32) -> f32 {
  // Two branches so exp never overflows.
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn pow_f(x: f32, y: f32) -> f32 {
  // WGSL's pow is undefined for x < 0; follow C's pow for integer exponents.
  if (x >= 0.0) { return pow(x, y); }
  let r = pow(-x, y);
  if (fract(y * 0.5) == 0.0) { return r; }
  if (fract(y) == 0.0) { return -r; }
  return (x - x) / (x - x); // NaN, computed at run time (a NaN constant is a WGSL compile error)
}
`;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const unaryOps: Record<UnaryOp, UnaryDef> = {
  neg: { wgsl: '-x', ref: (x) => -x },
  abs: { wgsl: 'abs(x)', ref: Math.abs },
  sign: { wgsl: 'sign(x)', ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  exp: { wgsl: 'exp(x)', ref: Math.exp },
  log: { wgsl: 'log(x)', ref: Math.log },
  sqrt: { wgsl: 'sqrt(x)', ref: Math.sqrt },
  rsqrt: { wgsl: 'inverseSqrt(x)', ref: (x) => 1 / Math.sqrt(x) },
  square: { wgsl: 'x * x', ref: (x) => x * x },
  reciprocal: { wgsl: '1.0 / x', ref: (x) => 1 / x },
  relu: { wgsl: 'max(x, 0.0)', ref: (x) => (x > 0 ? x : 0) },
  sigmoid: { wgsl: 'sigmoid_f(x)', ref: sigmoid },
  // tanh(x) is 1 to f32 precision beyond |x| = 10; clamping keeps exp-based implementations finite.
  tanh: { wgsl: 'tanh(clamp(x, -10.0, 10.0))', ref: Math.tanh },
  cos: { wgsl: 'cos(x)', ref: Math.cos },
  sin: { wgsl: 'sin(x)', ref: Math.sin },
  leakyRelu: { wgsl: 'select(alpha * x, x, x > 0.0)', ref: (x, a) => (x > 0 ? x : a * x) },
  addScalar: { wgsl: 'x + alpha', ref: (x, a) => x + a },
  mulScalar: { wgsl: 'x * alpha', ref: (x, a) => x * a },
  powScalar: { wgsl: 'pow_f(x, alpha)', ref: (x, a) => Math.pow(x, a) },
  rsubScalar: { wgsl: 'alpha - x', ref: (x, a) => a - x },
};

const bool = (c: boolean) => (c ? 1 : 0);

export const binaryOps: Record<BinaryOp, BinaryDef> = {
  add: { wgsl: 'a + b', ref: (a, b) => a + b },
  sub: { wgsl: 'a - b', ref: (a, b) => a - b },
  mul: { wgsl: 'a * b', ref: (a, b) => a * b },
  div: { wgsl: 'a / b', ref: (a, b) => a / b },
  maximum: { wgsl: 'max(a, b)', ref: Math.max },
  minimum: { wgsl: 'min(a, b)', ref: Math.min },
  pow: { wgsl: 'pow_f(a, b)', ref: Math.pow },
  gt: { wgsl: 'select(0.0, 1.0, a > b)', ref: (a, b) => bool(a > b) },
  ge: { wgsl: 'select(0.0, 1.0, a >= b)', ref: (a, b) => bool(a >= b) },
  lt: { wgsl: 'select(0.0, 1.0, a < b)', ref: (a, b) => bool(a < b) },
  le: { wgsl: 'select(0.0, 1.0, a <= b)', ref: (a, b) => bool(a <= b) },
  eq: { wgsl: 'select(0.0, 1.0, a == b)', ref: (a, b) => bool(a === b) },
  ne: { wgsl: 'select(0.0, 1.0, a != b)', ref: (a, b) => bool(a !== b) },
};

// Element-wise ops with broadcasting, each with a backward written in differentiable ops (so gradients of gradients work).

import type { BinaryOp, Storage, UnaryOp } from '../../tensor/backend.ts';
import { ex, type Expr } from '../../tensor/expression.ts';
import { broadcastShapes, broadcastStrides } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { fullLike, scalarLike } from '../../tensor/creation.ts';
import { sumTo } from './broadcast.ts';
import { backendOf, wrap } from './util.ts';

type Backward = (x: Tensor, y: Tensor, g: Tensor, alpha: number) => Tensor | null;

/** d(op(x))/dx times g. `y` is the op's output (reused where it is cheaper, e.g. exp, sigmoid). */
const unaryBackward: Record<UnaryOp, Backward> = {
  neg: (_x, _y, g) => neg(g),
  abs: (x, _y, g) => mul(g, sign(x)),
  sign: () => null,
  exp: (_x, y, g) => mul(g, y),
  log: (x, _y, g) => div(g, x),
  sqrt: (_x, y, g) => div(mulScalar(g, 0.5), y),
  rsqrt: (_x, y, g) => mul(g, mulScalar(mul(y, square(y)), -0.5)),
  square: (x, _y, g) => mul(g, mulScalar(x, 2)),
  reciprocal: (_x, y, g) => neg(mul(g, square(y))),
  relu: (x, _y, g) => leakyReluBackward(x, g, 0),
  sigmoid: (_x, y, g) => mul(g, mul(y, rsubScalar(y, 1))),
  tanh: (_x, y, g) => mul(g, rsubScalar(square(y), 1)),
  cos: (x, _y, g) => neg(mul(g, sin(x))),
  sin: (x, _y, g) => mul(g, cos(x)),
  leakyRelu: (x, _y, g, a) => leakyReluBackward(x, g, a),
  addScalar: (_x, _y, g) => g,
  mulScalar: (_x, _y, g, a) => mulScalar(g, a),
  powScalar: (x, _y, g, a) => mul(g, mulScalar(powScalar(x, a - 1), a)),
  rsubScalar: (_x, _y, g) => neg(g),
};

/**
 * g where x > 0, else slope * g: the backward of leaky ReLU (ReLU with slope 0) in one kernel instead of four. The slope
 * mask is a constant of x, so the result is linear in g and has no gradient in x: second derivatives are zero almost
 * everywhere, as they should be.
 */
export function leakyReluBackward(x: Tensor, g: Tensor, slope: number): Tensor {
  return fused('leaky_relu_backward', leakyReluBackwardExpr(slope), [x, g], (gg, needs) => [
    null,
    needs[1] ? leakyReluBackward(x, gg, slope) : null,
  ]);
}

/** g (x > 0 ? 1 : slope), x and g operands 0 and 1; one expression object per slope, so its compiled kernel is reused. */
const leakyReluBackwardExprs = new Map<number, Expr>();
function leakyReluBackwardExpr(slope: number): Expr {
  let e = leakyReluBackwardExprs.get(slope);
  if (!e) {
    e = ex.mul(ex.operand(1), ex.addScalar(ex.mulScalar(ex.gt(ex.operand(0), 0), 1 - slope), slope));
    leakyReluBackwardExprs.set(slope, e);
  }
  return e;
}

export function unary(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const y = wrap(x.backend.unary(op, x.storage, alpha), x.shape);
  return record(y, op, [x], (g) => [unaryBackward[op](x, y, g, alpha)]);
}

export const neg = (x: Tensor) => unary('neg', x);
export const abs = (x: Tensor) => unary('abs', x);
export const sign = (x: Tensor) => unary('sign', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
export const square = (x: Tensor) => unary('square', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const relu = (x: Tensor) => unary('relu', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const cos = (x: Tensor) => unary('cos', x);
export const sin = (x: Tensor) => unary('sin', x);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01) => unary('leakyRelu', x, negativeSlope);
export const addScalar = (x: Tensor, s: number) => unary('addScalar', x, s);
export const mulScalar = (x: Tensor, s: number) => unary('mulScalar', x, s);
export const powScalar = (x: Tensor, s: number) => unary('powScalar', x, s);
/** s - x */
export const rsubScalar = (x: Tensor, s: number) => unary('rsubScalar', x, s);

/** Runs a broadcasting primitive over operands and returns the output with shape. */
function broadcastRun(
  op: string,
  operands: Tensor[],
  run: (outShape: number[], strides: number[][]) => Storage,
  shape: readonly number[] = [],
): Tensor {
  backendOf(op, ...operands);
  const outShape = operands.map((t) => t.shape as readonly number[]).reduce((a, b) => broadcastShapes(a, b, op), shape);
  const strides = operands.map((t) => broadcastStrides(t.shape, outShape));
  return wrap(run([...outShape], strides), outShape);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return broadcastRun(op, [a, b], (outShape, strides) =>
    a.backend.binary(op, a.storage, b.storage, { outShape, strides }),
  );
}

type BinaryBackward = (a: Tensor, b: Tensor, y: Tensor, g: Tensor, needs: boolean[]) => [Tensor | null, Tensor | null];

const binaryBackward: Partial<Record<BinaryOp, BinaryBackward>> = {
  add: (_a, _b, _y, g) => [g, g],
  sub: (_a, _b, _y, g, needs) => [g, needs[1] ? neg(g) : null],
  mul: (a, b, _y, g, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null],
  div: (a, b, _y, g, needs) => [needs[0] ? div(g, b) : null, needs[1] ? neg(div(mul(g, a), square(b))) : null],
  // Ties send the gradient to `a`, like a select would.
  maximum: (a, b, _y, g, needs) => {
    const mask = ge(a, b);
    return [needs[0] ? mul(g, mask) : null, needs[1] ? mul(g, rsubScalar(mask, 1)) : null];
  },
  minimum: (a, b, _y, g, needs) => {
    const mask = le(a, b);
    return [needs[0] ? mul(g, mask) : null, needs[1] ? mul(g, rsubScalar(mask, 1)) : null];
  },
  pow: (a, b, y, g, needs) => [
    needs[0] ? mul(g, mul(b, pow(a, addScalar(b, -1)))) : null,
    needs[1] ? mul(g, mul(y, log(a))) : null,
  ],
};

export function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const y = binaryRaw(op, a, b);
  const backward = binaryBackward[op];
  if (!backward) return y; // comparisons: piecewise constant, no gradient
  return record(y, op, [a, b], (g, needs) => {
    const [ga, gb] = backward(a, b, y, g, needs);
    return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
  });
}

/**
 * A chain of element-wise ops over broadcast operands in one kernel: operand k of `expr` (src/tensor/expression.ts) is
 * operands[k]. `backward(g, needs)` gives each operand's gradient in differentiable ops, as every op's backward does;
 * null declares the chain piecewise constant (no gradient), as comparisons are. Constants are part of the kernel: one
 * that changes from call to call (a schedule) compiles a kernel per value, so pass it as an operand instead. `shape`,
 * when given, broadcasts the result further (a gradient spread back over reduced axes).
 */
export function fused(
  name: string,
  expr: Expr,
  operands: Tensor[],
  backward: ((g: Tensor, needs: boolean[]) => (Tensor | null)[]) | null,
  shape: readonly number[] = [],
): Tensor {
  const y = broadcastRun(
    name,
    operands,
    (outShape, strides) =>
      operands[0].backend.elementwise(
        name,
        expr,
        operands.map((t) => t.storage),
        { outShape, strides },
      ),
    shape,
  );
  if (!backward) return y;
  return record(y, name, operands, (g, needs) => backward(g, needs).map((gk, k) => gk && sumTo(gk, operands[k].shape)));
}

const operand = (like: Tensor, x: Tensor | number) => (typeof x === 'number' ? scalarLike(like, x) : x);

export const add = (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? addScalar(a, b) : binary('add', a, b));
export const sub = (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? addScalar(a, -b) : binary('sub', a, b));
export const mul = (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? mulScalar(a, b) : binary('mul', a, b));
export const div = (a: Tensor, b: Tensor | number) =>
  typeof b === 'number' ? mulScalar(a, 1 / b) : binary('div', a, b);
export const pow = (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? powScalar(a, b) : binary('pow', a, b));
export const maximum = (a: Tensor, b: Tensor | number) => binary('maximum', a, operand(a, b));
export const minimum = (a: Tensor, b: Tensor | number) => binary('minimum', a, operand(a, b));
export const gt = (a: Tensor, b: Tensor | number) => binary('gt', a, operand(a, b));
export const ge = (a: Tensor, b: Tensor | number) => binary('ge', a, operand(a, b));
export const lt = (a: Tensor, b: Tensor | number) => binary('lt', a, operand(a, b));
export const le = (a: Tensor, b: Tensor | number) => binary('le', a, operand(a, b));
export const eq = (a: Tensor, b: Tensor | number) => binary('eq', a, operand(a, b));
export const ne = (a: Tensor, b: Tensor | number) => binary('ne', a, operand(a, b));

/** Elements of a where cond is non-zero, else of b; broadcasting all three. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const ta = operand(cond, a);
  const tb = operand(cond, b);
  const y = broadcastRun('where', [cond, ta, tb], (outShape, strides) =>
    cond.backend.where(cond.storage, ta.storage, tb.storage, { outShape, strides }),
  );
  return record(y, 'where', [ta, tb], (g, needs) => {
    const zero = fullLike(g, 0);
    return [
      needs[0] ? sumTo(where(cond, g, zero), ta.shape) : null,
      needs[1] ? sumTo(where(cond, zero, g), tb.shape) : null,
    ];
  });
}

export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  let y = x;
  if (min !== undefined) y = maximum(y, min);
  if (max !== undefined) y = minimum(y, max);
  return y === x ? mulScalar(x, 1) : y;
}

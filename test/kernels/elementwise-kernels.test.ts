// The element-wise kernels against the float64 reference (NaN-poisoned outputs): every unary and binary op and `where`,
// on sizes that take the vec4 variant (a multiple of 4, operands contiguous, a single broadcast value or a row broadcast
// over runs of a multiple of 4) and sizes that fall back to one element per invocation (4k+1 .. 4k+3, or other
// broadcasts), with division-free index arithmetic and, above FAST_INDEX_LIMIT elements, integer division. 3080 elements are
// 770 vec4s: one workgroup of 256 invocations takes 4 rounds, the last one partial.

import { describe, expect, it } from 'vitest';
import type { BinaryOp, BroadcastParams, UnaryOp } from '../../src/tensor/backend.ts';
import { FAST_INDEX_LIMIT } from '../../src/kernels/wgsl/common.ts';
import { binaryOps, unaryOps } from '../../src/tensor/elementwise.ts';
import { evaluate, ex, operandCount, type Expr } from '../../src/tensor/expression.ts';
import { contiguousStrides, numel } from '../../src/tensor/shape.ts';
import { compareBackends, randomValues, webgpu } from '../helpers/backends.ts';

/** Inputs an op is defined on: positive for log, sqrt, rsqrt and reciprocal; [-1, 1) otherwise (pow's negative bases included). */
const positive = new Set<string>(['log', 'sqrt', 'rsqrt', 'reciprocal']);
const unaryInput = (op: string, n: number) => {
  const x = randomValues(n, 3);
  return positive.has(op) ? x.map((v) => Math.abs(v) + 0.25) : x;
};

/**
 * Exponents for pow: integers, even and odd, so negative bases give a sign or a magnitude. Fractional exponents of
 * negative bases give NaN, which expectClose cannot compare (and the poisoned outputs start as NaN), so fractional ones
 * are tested separately with positive bases.
 */
const integerExponents = (n: number) => Float32Array.from({ length: n }, (_, i) => [2, 3, -1, 0, 4, 1][i % 6]);

/** Comparisons need equal pairs too: b copies a at every third element. */
function secondOperand(op: string, a: Float32Array, n: number): Float32Array {
  if (op === 'pow') return integerExponents(n);
  const b = randomValues(n, 5);
  if (n === a.length) for (let i = 0; i < n; i += 3) b[i] = a[i];
  return b;
}

/** Broadcast parameters for operands of the given shapes (each right-aligned to `outShape`, size-1 dimensions broadcast). */
function broadcast(outShape: number[], shapes: number[][]): BroadcastParams {
  const strides = shapes.map((shape) => {
    const padded = [...new Array(outShape.length - shape.length).fill(1), ...shape];
    const s = contiguousStrides(padded);
    return padded.map((size, d) => (size === 1 ? 0 : s[d]));
  });
  return { outShape, strides };
}

// [name, output shape, shape of a, shape of b]
const binaryShapes: [string, number[], number[], number[]][] = [
  ['vec4, both contiguous: [6, 8]', [6, 8], [6, 8], [6, 8]],
  ['vec4, several vec4s per invocation: [40, 77]', [40, 77], [40, 77], [40, 77]],
  ['vec4, several vec4s per invocation, b a single value: [3080] and [1]', [3080], [3080], [1]],
  ['vec4, b a single value: [3, 4] and [1]', [3, 4], [3, 4], [1]],
  ['vec4, a a single value: [] and [20]', [20], [], [20]],
  ['fallback, size 4k+1: [5, 5]', [5, 5], [5, 5], [5, 5]],
  ['fallback, size 4k+2, single value: [2, 3] and [1]', [2, 3], [2, 3], [1]],
  ['fallback, size 4k+3: [11]', [11], [11], [11]],
  ['strided, a row broadcast over a multiple of 4: [4, 8] and [8]', [4, 8], [4, 8], [8]],
  ['vec4, b a value per channel (a bias): [2, 3, 4, 4] and [1, 3, 1, 1]', [2, 3, 4, 4], [2, 3, 4, 4], [1, 3, 1, 1]],
  ['vec4, b a value per image and channel: [2, 3, 2, 6] and [2, 3, 1, 1]', [2, 3, 2, 6], [2, 3, 2, 6], [2, 3, 1, 1]],
  ['vec4, a a value per row, b a single value: [3, 5, 4] and [1]', [3, 5, 4], [3, 1, 1], [1]],
  [
    'strided, runs of a broadcast value not a multiple of 4: [2, 3, 3, 3] and [3, 1, 1]',
    [2, 3, 3, 3],
    [2, 3, 3, 3],
    [3, 1, 1],
  ],
  [
    'strided rank 4, a broadcast middle dimension: [3, 2, 5, 3] and [3, 1, 5, 3]',
    [3, 2, 5, 3],
    [3, 1, 5, 3],
    [3, 2, 5, 3],
  ],
];

describe('unary kernels: WebGPU matches the float64 reference', () => {
  for (const op of Object.keys(unaryOps) as UnaryOp[]) {
    for (const n of [3080, 4, 13, 6, 7]) {
      it(`${op} over ${n} elements (${n % 4 === 0 ? 'vec4' : 'fallback'})`, async () => {
        const alpha = op === 'powScalar' ? 3 : 0.2;
        await compareBackends(`${op} n=${n}`, [unaryInput(op, n)], (b, [x]) => b.unary(op, x, alpha));
      });
    }
  }
  it('powScalar with a fractional exponent (vec4)', async () => {
    await compareBackends('powScalar 0.5', [unaryInput('sqrt', 16)], (b, [x]) => b.unary('powScalar', x, 0.5));
  });
});

describe('binary kernels: WebGPU matches the float64 reference', () => {
  for (const op of Object.keys(binaryOps) as BinaryOp[]) {
    for (const [name, outShape, aShape, bShape] of binaryShapes) {
      it(`${op}: ${name}`, async () => {
        const a = randomValues(numel(aShape), 4);
        const b = secondOperand(op, a, numel(bShape));
        await compareBackends(`${op} ${name}`, [a, b], (be, [x, y]) =>
          be.binary(op, x, y, broadcast(outShape, [aShape, bShape])),
        );
      });
    }
  }
});

describe('index arithmetic above FAST_INDEX_LIMIT (integer division)', () => {
  it(`add over [${FAST_INDEX_LIMIT / 4 + 1}, 4] and [4], and over [${FAST_INDEX_LIMIT / 4 + 1}, 4] and a column`, async () => {
    const rows = FAST_INDEX_LIMIT / 4 + 1;
    const a = randomValues(rows * 4, 21);
    await compareBackends('row', [a, randomValues(4, 22)], (be, [x, y]) =>
      be.binary('add', x, y, broadcast([rows, 4], [[rows, 4], [4]])),
    );
    await compareBackends('column', [a, randomValues(rows, 23)], (be, [x, y]) =>
      be.binary(
        'add',
        x,
        y,
        broadcast(
          [rows, 4],
          [
            [rows, 4],
            [rows, 1],
          ],
        ),
      ),
    );
  });
});

describe('pow with fractional exponents of positive bases', () => {
  for (const n of [16, 10]) {
    it(`${n} elements (${n % 4 === 0 ? 'vec4' : 'fallback'})`, async () => {
      const a = unaryInput('sqrt', n);
      const b = Float32Array.from({ length: n }, (_, i) => [0.5, 1.5, -0.5, 2.5][i % 4]);
      await compareBackends(`pow n=${n}`, [a, b], (be, [x, y]) => be.binary('pow', x, y, broadcast([n], [[n], [n]])));
    });
  }
});

// Three operands: [name, output shape, one shape per operand] (where's condition first).
const threeOperandCases: [string, number[], number[][]][] = [
  [
    'vec4, all contiguous: [4, 6]',
    [4, 6],
    [
      [4, 6],
      [4, 6],
      [4, 6],
    ],
  ],
  ['vec4, b a single value: [16]', [16], [[16], [16], [1]]],
  ['vec4, the condition a single value: [8]', [8], [[1], [8], [8]]],
  [
    'vec4, the condition a value per channel: [2, 3, 4]',
    [2, 3, 4],
    [
      [3, 1],
      [2, 3, 4],
      [2, 3, 4],
    ],
  ],
  ['fallback, size 4k+1: [9]', [9], [[9], [9], [9]]],
  [
    'strided: the condition a column, [5, 4]',
    [5, 4],
    [
      [5, 1],
      [5, 4],
      [5, 4],
    ],
  ],
  [
    'vec4, several vec4s per invocation: [40, 77]',
    [40, 77],
    [
      [40, 77],
      [40, 77],
      [40, 77],
    ],
  ],
  ['vec4, a single value and a per-channel row: [2, 3, 4, 4]', [2, 3, 4, 4], [[2, 3, 4, 4], [1], [1, 3, 1, 1]]],
  ['fallback, size 4k+3: [2, 5, 3] with a single value', [2, 5, 3], [[2, 5, 3], [2, 5, 3], [1]]],
];

describe('where: WebGPU matches the float64 reference', () => {
  for (const [name, outShape, shapes] of threeOperandCases) {
    it(name, async () => {
      const inputs = shapes.map((shape, k) => randomValues(numel(shape), 11 + k));
      inputs[0] = inputs[0].map((v) => (v > 0 ? 1 : 0));
      await compareBackends(`where ${name}`, inputs, (be, [c, a, b]) => be.where(c, a, b, broadcast(outShape, shapes)));
    });
  }
});

describe('fused expressions: WebGPU matches the float64 reference', () => {
  // Three operands, constants (one negative, one not exact in float32), unary ops with an alpha and a comparison: the
  // leaky ReLU backward's mask times a row-broadcast scale, plus a sigmoid of the third operand.
  const o = ex.operand;
  const expr: Expr = ex.add(
    ex.mul(ex.mul(o(1), ex.addScalar(ex.mulScalar(ex.gt(o(0), 0), 0.8), 0.2)), o(2)),
    ex.sigmoid(ex.mulScalar(o(2), -0.3)),
  );
  for (const [name, outShape, shapes] of threeOperandCases) {
    it(name, async () => {
      const inputs = shapes.map((shape, k) => randomValues(numel(shape), 31 + k));
      await compareBackends(`fused ${name}`, inputs, (be, xs) =>
        be.elementwise('test_chain', expr, xs, broadcast(outShape, shapes)),
      );
    });
  }

  it('computes what the chain of separate ops computes (an independent evaluation on the GPU)', async () => {
    const g = await webgpu();
    const n = 1030;
    const [x, gy, s] = [0, 1, 2].map((k) => g.upload(randomValues(n, 41 + k)));
    const fusedOut = await g.read(g.elementwise('test_chain', expr, [x, gy, s], broadcast([n], [[n], [n], [n]])));
    const p = broadcast([n], [[n], [n]]);
    const mask = g.unary(
      'addScalar',
      g.unary('mulScalar', g.binary('gt', x, g.fill(1, 0), broadcast([n], [[n], [1]])), 0.8),
      0.2,
    );
    const chain = g.binary(
      'add',
      g.binary('mul', g.binary('mul', gy, mask, p), s, p),
      g.unary('sigmoid', g.unary('mulScalar', s, -0.3), 0),
      p,
    );
    const separate = await g.read(chain);
    for (let i = 0; i < n; i++) expect(fusedOut[i]).toBeCloseTo(separate[i], 6);
  });

  it('reads its operand count from the tree and evaluates constants and alphas exactly', () => {
    expect(operandCount(expr)).toBe(3);
    expect(evaluate(expr, [1, 2, 3])).toBeCloseTo(2 * 3 + 1 / (1 + Math.exp(0.9)), 12);
    expect(evaluate(expr, [-1, 2, 3])).toBeCloseTo(0.2 * 2 * 3 + 1 / (1 + Math.exp(0.9)), 12);
  });
});

// The tiled matmul kernel against the float64 reference: shapes below, at and past the 64 x 64 tile and the 16-long k
// step, all four transpose combinations, and batches with a broadcast (batch stride 0) right operand. Also prints the
// speed of a 512^3 product (not asserted: it depends on the machine).

import { describe, it } from 'vitest';
import type { MatmulParams } from '../../src/tensor/backend.ts';
import { compareBackends, randomValues } from '../helpers/backends.ts';

interface Case {
  batch?: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  broadcastB?: boolean;
}

function params(c: Case): MatmulParams {
  const batch = c.batch ?? 1;
  return {
    batch,
    m: c.m,
    n: c.n,
    k: c.k,
    transA: c.transA ?? false,
    transB: c.transB ?? false,
    aBatchStride: c.m * c.k,
    bBatchStride: c.broadcastB ? 0 : c.k * c.n,
  };
}

const shapes: Case[] = [
  { m: 1, n: 1, k: 1 },
  { m: 7, n: 13, k: 5 },
  { m: 65, n: 33, k: 17 },
  { m: 64, n: 64, k: 16 },
  { m: 3, n: 130, k: 1 },
  { m: 100, n: 1, k: 70 },
  { m: 5, n: 4, k: 0 },
  { m: 256, n: 256, k: 256 },
];

const cases: [string, MatmulParams][] = [];
for (const s of shapes) cases.push([`${s.m}x${s.n}x${s.k}`, params(s)]);
for (const transA of [false, true])
  for (const transB of [false, true]) {
    cases.push([`65x33x17 transA ${transA} transB ${transB}`, params({ m: 65, n: 33, k: 17, transA, transB })]);
    cases.push([
      `batch 3 of 70x20x40, broadcast b, transA ${transA} transB ${transB}`,
      params({ batch: 3, m: 70, n: 20, k: 40, transA, transB, broadcastB: true }),
    ]);
  }
cases.push(['batch 5 of 9x11x6, own b per batch', params({ batch: 5, m: 9, n: 11, k: 6 })]);

// Tolerance: 1e-4 relative plus 1e-6 * sqrt(k) absolute. Inputs lie in [-1, 1), so each output is a sum of k products of
// size about sqrt(k) / 3, and float32 accumulation drifts by roughly 6e-8 * sqrt(k) times that; the absolute part covers
// outputs that cancel to near zero, the relative part the rest.
const RTOL = 1e-4;
const atol = (k: number) => 1e-6 * Math.sqrt(Math.max(k, 1));

describe('matmul kernel: WebGPU matches the float64 reference', () => {
  for (const [name, p] of cases) {
    it(name, async () => {
      const aSize = p.batch * p.m * p.k;
      const bSize = (p.bBatchStride === 0 ? 1 : p.batch) * p.k * p.n;
      await compareBackends(
        `matmul ${name}`,
        [randomValues(aSize, 1), randomValues(bSize, 2)],
        (b, [x, y]) => b.matmul(x, y, p),
        RTOL,
        atol(p.k),
      );
    });
  }
});

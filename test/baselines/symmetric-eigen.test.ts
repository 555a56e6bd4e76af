// The host eigen-solver of the baselines (src/baselines/symmetric-eigen.ts) on matrices with known answers and on
// random symmetric ones: A v = lambda v, orthonormal vectors, largest first, the trace kept.

import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/baselines/symmetric-eigen.ts';
import { lcgValues } from '../../src/tensor/lcg.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = lcgValues(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j] + r[j * n + i];
  return a;
}

describe('symmetricEigen', () => {
  it('solves random symmetric matrices: residuals, orthonormality, order and trace', () => {
    for (const [n, seed] of [
      [1, 1],
      [2, 2],
      [5, 3],
      [12, 4],
      [42, 5],
    ]) {
      const a = randomSymmetric(n, seed);
      const scale = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
      const { values, vectors } = symmetricEigen(a, n);
      for (let e = 0; e < n; e++) {
        const v = vectors[e];
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j] * v[j];
          expect(Math.abs(av - values[e] * v[i])).toBeLessThan(1e-12 * scale);
        }
        for (let f = 0; f < n; f++) {
          const dot = v.reduce((s, x, i) => s + x * vectors[f][i], 0);
          expect(Math.abs(dot - (e === f ? 1 : 0))).toBeLessThan(1e-12);
        }
        if (e > 0) expect(values[e]).toBeLessThanOrEqual(values[e - 1]);
      }
      const trace = Array.from({ length: n }, (_, i) => a[i * n + i]).reduce((s, x) => s + x, 0);
      expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(trace, 10);
    }
  });

  it('matches closed forms: a 2 x 2 matrix, a diagonal one, a rank-one one', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1) / sqrt 2 and (1, -1) / sqrt 2.
    const two = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(two.values)).toEqual([expect.closeTo(3, 14), expect.closeTo(1, 14)]);
    expect(Math.abs(two.vectors[0][0] * two.vectors[0][1] - 0.5)).toBeLessThan(1e-14);
    const diagonal = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, -2], 3);
    expect(Array.from(diagonal.values)).toEqual([5, 1, -2]);
    expect(Array.from(diagonal.vectors[0]).map(Math.abs)).toEqual([0, 1, 0]);
    // u u^T with u = (1, 2, 2): eigenvalue |u|^2 = 9 along u, 0 twice.
    const u = [1, 2, 2];
    const rankOne = symmetricEigen(
      u.flatMap((a) => u.map((b) => a * b)),
      3,
    );
    expect(rankOne.values[0]).toBeCloseTo(9, 12);
    expect(Math.abs(rankOne.values[1]) + Math.abs(rankOne.values[2])).toBeLessThan(1e-12);
    expect(Math.abs(rankOne.vectors[0].reduce((s, x, i) => s + (x * u[i]) / 3, 0))).toBeCloseTo(1, 12);
  });

  it('uses the symmetric part, and refuses a size that does not match or a non-finite value', () => {
    expect(Array.from(symmetricEigen([2, 0, 2, 2], 2).values)).toEqual(
      Array.from(symmetricEigen([2, 1, 1, 2], 2).values),
    );
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected 2 x 2 = 4 values, got 3/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/non-finite/);
  });
});

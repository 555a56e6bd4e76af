// Batched matrix product with optional transposes, as a plain triple loop.

import type { MatmulParams } from '../tensor/backend.ts';

export function matmul(a: Float64Array, b: Float64Array, p: MatmulParams): Float64Array {
  const { batch, m, n, k } = p;
  // Element (i, t) of op(a) sits at i * aRow + t * aCol; element (t, j) of op(b) at t * bRow + j * bCol.
  const [aRow, aCol] = p.transA ? [1, m] : [k, 1];
  const [bRow, bCol] = p.transB ? [1, k] : [n, 1];
  const out = new Float64Array(batch * m * n);
  for (let bt = 0; bt < batch; bt++) {
    const aBase = bt * p.aBatchStride;
    const bBase = bt * p.bBatchStride;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += a[aBase + i * aRow + t * aCol] * b[bBase + t * bRow + j * bCol];
        out[(bt * m + i) * n + j] = acc;
      }
    }
  }
  return out;
}

// Matrix products. `bmm` with transpose flags is the differentiable primitive: its backward is two more bmm calls with
// other flags, so no transpose is ever materialised and second derivatives come for free.

import { broadcastShapes, formatShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { expand, sum } from './broadcast.ts';
import { add, mul } from './elementwise.ts';
import { reshape, squeeze, unsqueeze } from './view.ts';
import { backendOf, wrap } from './util.ts';

/** Batched product of op(a) and op(b), where op transposes the last two axes when its flag is set. a, b: 3-d, same batch. */
export function bmm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const backend = backendOf('matmul', a, b);
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0])
    throw new Error(
      `bmm: expected 3-d operands with equal batch, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  const [batch] = a.shape;
  const [m, k] = transA ? [a.shape[2], a.shape[1]] : [a.shape[1], a.shape[2]];
  const [kb, n] = transB ? [b.shape[2], b.shape[1]] : [b.shape[1], b.shape[2]];
  if (k !== kb)
    throw new Error(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  const y = wrap(
    backend.matmul(a.storage, b.storage, { batch, m, n, k, transA, transB, aBatchStride: m * k, bBatchStride: k * n }),
    [batch, m, n],
  );
  return record(y, 'matmul', [a, b], (g, needs) => [
    needs[0] ? (transA ? bmm(b, g, transB, true) : bmm(g, b, false, !transB)) : null,
    needs[1] ? (transB ? bmm(g, a, true, transA) : bmm(a, g, !transA, false)) : null,
  ]);
}

/** PyTorch's matmul: 1-d operands are promoted and squeezed back, batch dimensions broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new Error(
      `matmul: operands must have at least one dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw new Error(`matmul: vectors of lengths ${a.shape[0]} and ${b.shape[0]}`);
    return sum(mul(a, b));
  }
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  if (k !== kb)
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} vs ${kb})`,
    );
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = batchShape.reduce((p, d) => p * d, 1);
  if (b.shape.slice(0, -2).every((d) => d === 1)) {
    // b is one matrix: fold a's batch into its rows, one product instead of a broadcast copy of b.
    const rows = expand(a, [...batchShape, m, k]);
    return reshape(bmm(reshape(rows, [1, batch * m, k]), reshape(b, [1, k, n])), [...batchShape, m, n]);
  }
  const a3 = reshape(expand(a, [...batchShape, m, k]), [batch, m, k]);
  const b3 = reshape(expand(b, [...batchShape, k, n]), [batch, k, n]);
  return reshape(bmm(a3, b3), [...batchShape, m, n]);
}

/** y = x W^T + b with W [out, in] as in PyTorch's F.linear; x [..., in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2 || x.shape[x.ndim - 1] !== weight.shape[1])
    throw new Error(
      `linear: input ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} ([out, in])`,
    );
  const [out, inFeatures] = weight.shape;
  const rows = x.size / inFeatures;
  const y = reshape(bmm(reshape(x, [1, rows, inFeatures]), reshape(weight, [1, out, inFeatures]), false, true), [
    ...x.shape.slice(0, -1),
    out,
  ]);
  if (!bias) return y;
  if (bias.ndim !== 1 || bias.shape[0] !== out)
    throw new Error(`linear: bias ${formatShape(bias.shape)} does not match ${out} outputs`);
  return add(y, bias);
}

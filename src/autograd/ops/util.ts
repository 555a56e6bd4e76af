// Small helpers shared by the differentiable ops: wrapping a primitive's result, checking that operands share a device,
// and the gather and reduce primitives without recording (the ops that use them record their own backward).

import type { ReduceOp, Storage } from '../../tensor/backend.ts';
import { reducedShape, type Shape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

export function wrap(storage: Storage, shape: Shape): Tensor {
  return new Tensor(storage, shape);
}

/** Checks that all operands live on one backend and returns it. */
export function backendOf(op: string, ...ts: Tensor[]) {
  const backend = ts[0].backend;
  for (const t of ts) {
    if (t.backend !== backend)
      throw new Error(
        `${op}: operands are on different devices (${ts.map((x) => x.device).join(', ')}); move them with .to()`,
      );
  }
  return backend;
}

/** out[i0..ik] = x[offset + sum_j i_j * strides[j]]: permute, crop and expand. */
export function gatherRaw(x: Tensor, outShape: number[], strides: number[], offset: number): Tensor {
  return wrap(x.backend.gather(x.storage, { outShape, strides, offset }), outShape);
}

/** x reduced over `axes` (dropped from the shape); with no axes, a copy. */
export function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return wrap(x.backend.unary('mulScalar', x.storage, 1), x.shape); // nothing to reduce: a copy
  return wrap(x.backend.reduce(op, x.storage, { inShape: x.shape, axes }), reducedShape(x.shape, axes, false));
}

// Small helpers shared by the differentiable ops.

import { Tensor } from '../../tensor/tensor.ts';
import type { Storage } from '../../tensor/backend.ts';
import type { Shape } from '../../tensor/shape.ts';

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

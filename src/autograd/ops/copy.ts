// Copies across the graph and across backends.

import { getBackend } from '../../tensor/context.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { wrap } from './util.ts';

/** Shares x's storage without its history: a leaf that does not require grad. */
export function detach(x: Tensor): Tensor {
  return new Tensor(x.shareStorage(), x.shape);
}

/** A copy with its own storage; gradients flow through it. */
export function clone(x: Tensor): Tensor {
  const y = wrap(x.backend.unary('mulScalar', x.storage, 1), x.shape);
  return record(y, 'clone', [x], (g) => [g]);
}

/** A copy on another backend (a new leaf; no gradient crosses devices). */
export async function to(x: Tensor, device: 'cpu' | 'webgpu'): Promise<Tensor> {
  const backend = getBackend(device);
  const values = await x.data();
  return new Tensor(backend.upload(values), x.shape);
}

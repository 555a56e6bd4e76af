// Copies in the graph: without history (detach) and with it (clone). Tensor.to copies across backends.

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

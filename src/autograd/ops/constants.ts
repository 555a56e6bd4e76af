// Constants on another tensor's backend (no gradient).

import type { Tensor } from '../../tensor/tensor.ts';
import { wrap } from './util.ts';

export const fullLike = (t: Tensor, value: number) => wrap(t.backend.fill(t.size, value), t.shape);
export const zerosLike = (t: Tensor) => fullLike(t, 0);
export const onesLike = (t: Tensor) => fullLike(t, 1);
/** A 0-d tensor holding `value` on t's backend. */
export const scalarLike = (t: Tensor, value: number) => wrap(t.backend.fill(1, value), []);

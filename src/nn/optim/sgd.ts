// SGD with momentum (PyTorch's form: buf = momentum * buf + (1 - dampening) * g; p -= lr * buf), L2 weight decay and
// Nesterov; each parameter is updated by one fused kernel.

import { noGrad } from '../../autograd/graph.ts';
import { zerosLike } from '../../tensor/creation.ts';
import { replaceValues, Tensor } from '../../tensor/tensor.ts';
import { Optimizer } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(
    params: Tensor[] | { params: Tensor[]; options?: Partial<SGDOptions> }[],
    options: Partial<SGDOptions> & { lr: number },
  ) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
  }

  step(): void {
    this.stepCount++;
    noGrad(() => {
      for (const { params, options } of this.groups) {
        for (const p of params) {
          if (!p.grad) continue;
          // PyTorch initialises the buffer with the first gradient (no dampening on step 1): `firstStep` says so.
          const firstStep = !this.state.get(p)?.momentum_buffer;
          const buf = this.slot(p, 'momentum_buffer', () => zerosLike(p));
          const out = p.backend.sgd(p.storage, p.grad.storage, buf.storage, { ...options, firstStep });
          replaceValues(p, out.param);
          this.setSlot(p, 'momentum_buffer', new Tensor(out.buf, p.shape));
        }
      }
    });
  }
}

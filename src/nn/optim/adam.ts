// Adam (Kingma & Ba) with PyTorch's defaults and L2 weight decay; each parameter is updated by one fused kernel.

import { noGrad } from '../../autograd/graph.ts';
import { zerosLike } from '../../tensor/creation.ts';
import { replaceValues, Tensor } from '../../tensor/tensor.ts';
import { Optimizer } from './optimizer.ts';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(
    params: Tensor[] | { params: Tensor[]; options?: Partial<AdamOptions> }[],
    options: Partial<AdamOptions> = {},
  ) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options });
  }

  step(): void {
    this.stepCount++;
    noGrad(() => {
      for (const { params, options } of this.groups) {
        const [beta1, beta2] = options.betas;
        const hyper = {
          lr: options.lr,
          beta1,
          beta2,
          eps: options.eps,
          weightDecay: options.weightDecay,
          biasCorrection1: 1 - beta1 ** this.stepCount,
          biasCorrection2: 1 - beta2 ** this.stepCount,
        };
        for (const p of params) {
          if (!p.grad) continue;
          const m = this.slot(p, 'exp_avg', () => zerosLike(p));
          const v = this.slot(p, 'exp_avg_sq', () => zerosLike(p));
          const out = p.backend.adam(p.storage, p.grad.storage, m.storage, v.storage, hyper);
          replaceValues(p, out.param);
          this.setSlot(p, 'exp_avg', new Tensor(out.m, p.shape));
          this.setSlot(p, 'exp_avg_sq', new Tensor(out.v, p.shape));
        }
      }
    });
  }
}

// Adam (Kingma & Ba) with PyTorch's defaults and L2 weight decay; a fused kernel updates several parameters at once.

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
        // The whole group in one call (the backend packs several parameters into each dispatch), per device.
        const withGrad = params.filter((p) => p.grad);
        for (const backend of new Set(withGrad.map((p) => p.backend))) {
          const group = withGrad.filter((p) => p.backend === backend);
          const m = (p: Tensor) => this.slot(p, 'exp_avg', () => zerosLike(p));
          const v = (p: Tensor) => this.slot(p, 'exp_avg_sq', () => zerosLike(p));
          const storages = (ts: Tensor[]) => ts.map((t) => t.storage);
          const args = (ps: Tensor[]) =>
            [storages(ps), ps.map((p) => p.grad!.storage), storages(ps.map(m)), storages(ps.map(v)), hyper] as const;
          // In place where nothing else holds a parameter's or its state's storage (no view, no copy_): the buffers
          // then stay the same from step to step. Otherwise new storages, so a copy keeps its values.
          const alone = group.filter((p) => p.ownsStorage && m(p).ownsStorage && v(p).ownsStorage);
          const shared = group.filter((p) => !alone.includes(p));
          if (alone.length) backend.adamInPlace(...args(alone));
          if (shared.length) {
            const out = backend.adam(...args(shared));
            shared.forEach((p, k) => {
              replaceValues(p, out.params[k]);
              this.setSlot(p, 'exp_avg', new Tensor(out.ms[k], p.shape));
              this.setSlot(p, 'exp_avg_sq', new Tensor(out.vs[k], p.shape));
            });
          }
        }
      }
    });
  }
}

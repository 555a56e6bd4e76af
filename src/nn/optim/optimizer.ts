// Shared optimiser plumbing: parameter groups with per-group options, per-parameter state tensors, and state dicts that
// round-trip through checkpoints (names `state.<group>.<index>.<slot>`, like PyTorch's indexing of parameters).

import { keep } from '../../tensor/memory.ts';
import { formatShape, sameShape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

export interface ParamGroup<O> {
  params: Tensor[];
  options: O;
}

export abstract class Optimizer<O extends object> {
  readonly groups: ParamGroup<O>[];
  /** Per-parameter state tensors by slot name (exp_avg, exp_avg_sq, momentum_buffer). */
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();
  stepCount = 0;

  constructor(params: Tensor[] | { params: Tensor[]; options?: Partial<O> }[], defaults: O) {
    const list =
      params.length && !('params' in params[0])
        ? [{ params: params as Tensor[] }]
        : (params as { params: Tensor[]; options?: Partial<O> }[]);
    this.groups = list.map((g) => ({ params: g.params, options: { ...defaults, ...g.options } }));
    for (const g of this.groups)
      for (const p of g.params) {
        if (!p.requiresGrad) throw new Error(`${this.constructor.name}: parameter ${p} does not require grad`);
      }
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  zeroGrad(): void {
    for (const g of this.groups)
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = null;
      }
  }

  protected slot(p: Tensor, name: string, create: () => Tensor): Tensor {
    const s = this.state.get(p) ?? {};
    this.state.set(p, s);
    s[name] ??= keep(create());
    return s[name];
  }

  /** Replaces a state tensor (the old one is disposed). */
  protected setSlot(p: Tensor, name: string, value: Tensor): void {
    const s = this.state.get(p)!;
    s[name]?.dispose();
    s[name] = keep(value);
  }

  /** State tensors by checkpoint name, plus the step count. */
  stateDict(): { step: number; tensors: Record<string, Tensor> } {
    const tensors: Record<string, Tensor> = {};
    this.groups.forEach((g, gi) =>
      g.params.forEach((p, pi) => {
        for (const [slot, t] of Object.entries(this.state.get(p) ?? {})) tensors[`state.${gi}.${pi}.${slot}`] = t;
      }),
    );
    return { step: this.stepCount, tensors };
  }

  /** Restores state saved by stateDict; shapes are checked before anything is replaced. */
  loadStateDict(saved: { step: number; tensors: Record<string, Tensor> }): void {
    const plan: [Tensor, string, Tensor][] = [];
    for (const [name, t] of Object.entries(saved.tensors)) {
      const m = /^state\.(\d+)\.(\d+)\.(\w+)$/.exec(name);
      const p = m && this.groups[Number(m[1])]?.params[Number(m[2])];
      if (!m || !p)
        throw new Error(
          `${this.constructor.name}.loadStateDict: '${name}' does not name a parameter of this optimiser`,
        );
      if (!sameShape(p.shape, t.shape))
        throw new Error(
          `${this.constructor.name}.loadStateDict: ${name} has shape ${formatShape(t.shape)}, parameter has ${formatShape(p.shape)}`,
        );
      plan.push([p, m[3], t]);
    }
    for (const [p, slot, t] of plan) {
      this.state.set(p, this.state.get(p) ?? {});
      this.setSlot(p, slot, t);
    }
    this.stepCount = saved.step;
  }
}

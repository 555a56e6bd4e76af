// Modules as in PyTorch: named parameters, buffers and children, train/eval mode, and state dicts whose names and layouts
// are PyTorch's (e.g. `encoder.0.weight`, `bn.running_mean`), so weights move between the two without renaming.

import { keep } from '../tensor/memory.ts';
import { formatShape, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a trainable tensor; it outlives tidy scopes and requires grad. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.params.set(name, keep(t).requiresGrad_());
    return t;
  }

  /** Registers persistent non-trainable state (running statistics). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, keep(t));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const own: [string, Tensor][] = [...this.params].map(([n, t]) => [prefix + n, t]);
    return own.concat(...this.namedChildren().map(([n, m]) => m.namedParameters(`${prefix}${n}.`)));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const own: [string, Tensor][] = [...this.buffers].map(([n, t]) => [prefix + n, t]);
    return own.concat(...this.namedChildren().map(([n, m]) => m.namedBuffers(`${prefix}${n}.`)));
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's tensors. Every name and shape is checked before anything is copied, so a mismatch
   * leaves the module untouched. With strict (default) both missing and unexpected names are errors.
   */
  loadStateDict(state: Record<string, Tensor>, strict = true): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''}`,
      );
    }
    for (const [name, t] of Object.entries(own)) {
      const src = state[name];
      if (src && !sameShape(src.shape, t.shape))
        throw new Error(
          `loadStateDict: ${name} expects shape ${formatShape(t.shape)}, found ${formatShape(src.shape)}`,
        );
    }
    for (const [name, t] of Object.entries(own)) if (state[name]) t.copy_(state[name]);
  }

  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.children) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Every module in the tree, this one first. */
  modules(): Module[] {
    return [this as Module].concat(...[...this.children.values()].map((m) => m.modules()));
  }

  /** Clears .grad on every parameter (PyTorch's zero_grad with set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}

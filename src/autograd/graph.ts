// The recorded graph: each op that has an input requiring grad attaches a GradNode to its output. A node's backward is
// written with differentiable ops, so running it with recording on builds the graph of the gradient (higher order).

import type { BackwardFn, Tensor } from '../tensor/tensor.ts';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording the graph (PyTorch's torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return setGradEnabled(false, fn);
}

export function setGradEnabled<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Attaches a node to `out` when recording is on and an input requires grad; returns `out`. */
export function record(out: Tensor, name: string, inputs: Tensor[], backward: BackwardFn): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}

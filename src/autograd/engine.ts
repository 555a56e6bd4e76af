// Reverse-mode differentiation over the recorded graph: one topological sort, then each node's backward in reverse order,
// gradients summed with the engine's own add. Only nodes on a path from the wanted inputs to the outputs run.

import { formatShape, sameShape } from '../tensor/shape.ts';
import { onesLike } from '../tensor/creation.ts';
import { keep } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { setGradEnabled } from './graph.ts';
import { clone } from './ops/copy.ts';
import { add } from './ops/elementwise.ts';

export interface GradOptions {
  /** Gradients of the outputs; may be omitted for scalar outputs (then ones). */
  gradOutputs?: (Tensor | null)[];
  /** Record the backward pass so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** Tensors of the graph below `outputs`, inputs before users, restricted to those that reach a target. */
function relevantNodes(outputs: Tensor[], isTarget: (t: Tensor) => boolean): { order: Tensor[]; reaches: Set<Tensor> } {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const reaches = new Set<Tensor>();
  // Iterative post-order DFS: graphs of deep nets would overflow the stack with recursion.
  const stack: [Tensor, number][] = outputs.map((t) => [t, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0) {
      if (visited.has(t)) {
        stack.pop();
        continue;
      }
      visited.add(t);
    }
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      if (!visited.has(inputs[i])) stack.push([inputs[i], 0]);
      continue;
    }
    stack.pop();
    if (isTarget(t) || inputs.some((x) => reaches.has(x))) reaches.add(t);
    order.push(t);
  }
  return { order, reaches };
}

/**
 * Runs reverse mode from `outputs`; calls `onGradient` for every tensor for which `isTarget` holds, with its total
 * gradient. Gradients of intermediate tensors are disposed as soon as they have been passed on.
 */
function runBackward(
  outputs: Tensor[],
  gradOutputs: (Tensor | null)[],
  isTarget: (t: Tensor) => boolean,
  createGraph: boolean,
  onGradient: (t: Tensor, g: Tensor) => void,
): void {
  const { order, reaches } = relevantNodes(outputs, isTarget);
  const grads = new Map<Tensor, Tensor>();
  // Without createGraph, gradients made here are freed once passed on. A backward may hand the same tensor to several
  // inputs (add passes g through), so each is counted by the entries of `grads` that hold it.
  const holders = new Map<Tensor, number>();
  const kept = new Set<Tensor>(gradOutputs.filter((g): g is Tensor => !!g));
  const drop = (g: Tensor) => {
    const n = (holders.get(g) ?? 0) - 1;
    holders.set(g, n);
    if (n <= 0 && !createGraph && !kept.has(g)) g.dispose();
  };
  const accumulate = (t: Tensor, g: Tensor) => {
    if (!sameShape(g.shape, t.shape))
      throw new Error(
        `backward: gradient of shape ${formatShape(g.shape)} for a tensor of shape ${formatShape(t.shape)} (op ${t.gradFn?.name ?? 'leaf'})`,
      );
    const previous = grads.get(t);
    const total = previous ? add(previous, g) : g;
    holders.set(total, (holders.get(total) ?? 0) + 1);
    grads.set(t, total);
    if (previous) {
      drop(previous);
      if (!holders.get(g)) drop(g);
    }
  };
  setGradEnabled(createGraph, () => {
    outputs.forEach((t, k) => accumulate(t, gradOutputs[k] ?? onesLike(t)));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g || !reaches.has(t)) continue;
      if (isTarget(t)) {
        kept.add(g);
        onGradient(t, g);
      }
      const node = t.gradFn;
      if (node) {
        const needs = node.inputs.map((x) => reaches.has(x) && x.requiresGrad);
        const inputGrads = needs.some(Boolean) ? node.backward(g, needs) : [];
        node.inputs.forEach((x, k) => {
          const gk = inputGrads[k];
          if (needs[k] && gk) accumulate(x, gk);
        });
      }
      grads.delete(t);
      drop(g);
    }
  });
}

/** Gradients of `outputs` with respect to `inputs`, like torch.autograd.grad. */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error(`grad: input ${t} does not require grad`);
  }
  for (const t of outs) {
    if (!t.requiresGrad)
      throw new Error(`grad: output ${t} does not require grad (no input that requires grad contributed to it)`);
  }
  checkGradOutputs(outs, options.gradOutputs);
  const wanted = new Set(ins);
  const found = new Map<Tensor, Tensor>();
  runBackward(
    outs,
    options.gradOutputs ?? [],
    (t) => wanted.has(t),
    options.createGraph ?? false,
    (t, g) => found.set(t, g),
  );
  return ins.map((t, k) => {
    const g = found.get(t);
    if (!g && !options.allowUnused)
      throw new Error(
        `grad: input ${k} (${t}) was not used to compute the outputs; pass allowUnused: true to get null`,
      );
    return g ?? null;
  });
}

/** Accumulates d(this)/d(leaf) into `leaf.grad` for every leaf that requires grad, like Tensor.backward in PyTorch. */
export function backward(output: Tensor, gradient?: Tensor, options: { createGraph?: boolean } = {}): void {
  if (!output.requiresGrad) throw new Error(`backward: ${output} does not require grad`);
  if (!gradient && output.size !== 1)
    throw new Error(`backward: output of shape ${formatShape(output.shape)} is not a scalar; pass a gradient`);
  checkGradOutputs([output], gradient ? [gradient] : undefined);
  const isLeaf = (t: Tensor) => t.requiresGrad && !t.gradFn;
  const assigned = new Set<Tensor>();
  runBackward([output], [gradient ?? null], isLeaf, options.createGraph ?? false, (leaf, g) => {
    // One gradient tensor may reach several leaves; each leaf's .grad must be its own tensor.
    const own = assigned.has(g) ? clone(g) : g;
    assigned.add(g);
    const total = leaf.grad ? add(leaf.grad, own) : own;
    leaf.grad?.dispose();
    leaf.grad = keep(total);
  });
}

function checkGradOutputs(outputs: Tensor[], gradOutputs: (Tensor | null)[] | undefined): void {
  if (!gradOutputs) {
    for (const t of outputs) {
      if (t.size !== 1)
        throw new Error(`grad: output of shape ${formatShape(t.shape)} is not a scalar; pass gradOutputs`);
    }
    return;
  }
  if (gradOutputs.length !== outputs.length)
    throw new Error(`grad: ${gradOutputs.length} gradOutputs for ${outputs.length} outputs`);
  gradOutputs.forEach((g, k) => {
    if (g && !sameShape(g.shape, outputs[k].shape))
      throw new Error(
        `grad: gradOutputs[${k}] has shape ${formatShape(g.shape)}, output has ${formatShape(outputs[k].shape)}`,
      );
  });
}

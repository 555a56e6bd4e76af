// Finite-difference checks of first and second derivatives on the float64 reference backend, like torch.autograd's
// gradcheck and gradgradcheck. The check projects outputs on a fixed random direction v: it compares v^T J from autograd
// with central differences of <v, f(x)> for every input element.

import { grad } from './engine.ts';
import { sum } from './ops/broadcast.ts';
import { detach } from './ops/copy.ts';
import { add, mul } from './ops/elementwise.ts';
import { Tensor } from '../tensor/tensor.ts';
import { tensor } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import { Lcg } from '../tensor/lcg.ts';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed for the projection direction. */
  seed?: number;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? out : [out];
}

function directions(outputs: Tensor[], seed: number): Tensor[] {
  const lcg = new Lcg(seed);
  return outputs.map((o) => {
    const v = Float64Array.from({ length: o.size }, () => lcg.nextSigned());
    return tensor(v, o.shape, { device: o.backend });
  });
}

/** <v, f(inputs)> summed over outputs. */
function projection(outputs: Tensor[], v: Tensor[]): Tensor {
  return outputs.map((o, k) => sum(mul(o, v[k]))).reduce((a, b) => add(a, b));
}

async function valueOf(t: Tensor): Promise<number> {
  return t.item();
}

/**
 * Throws, naming the input and element, when autograd's gradient of fn disagrees with central differences.
 * Inputs must be float64-backend tensors that require grad.
 */
export async function gradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): Promise<true> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 7 } = options;
  for (const x of inputs) {
    if (x.device !== 'cpu')
      throw new Error('gradcheck: inputs must live on the float64 reference backend (device cpu)');
    if (!x.requiresGrad) throw new Error(`gradcheck: input ${x} does not require grad`);
  }
  const v = tidy(() => directions(outputsOf(fn, inputs), seed));
  const analytic = tidy(() => {
    const value = projection(outputsOf(fn, inputs), v);
    // An output that no input reaches (e.g. the derivative of a linear op) has a zero gradient.
    return value.requiresGrad ? grad(value, inputs, { allowUnused: true }) : inputs.map(() => null);
  });
  for (let k = 0; k < inputs.length; k++) {
    const base = Float64Array.from(await inputs[k].data());
    const a = analytic[k] ? await analytic[k]!.data() : new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) => {
        const shifted = Float64Array.from(base);
        shifted[i] += delta;
        // Recording stays on: gradgradcheck's fn itself takes a gradient.
        return tidy(() => {
          const moved = inputs.map((x, j) =>
            j === k ? tensor(shifted, x.shape, { device: x.backend, requiresGrad: true }) : x,
          );
          return detach(projection(outputsOf(fn, moved), v));
        });
      };
      const plus = at(eps);
      const minus = at(-eps);
      const numeric = ((await valueOf(plus)) - (await valueOf(minus))) / (2 * eps);
      plus.dispose();
      minus.dispose();
      if (!(Math.abs(a[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck: input ${k} element ${i}: autograd ${a[i]}, finite differences ${numeric}`);
      }
    }
  }
  analytic.forEach((g) => g?.dispose());
  v.forEach((t) => t.dispose());
  return true;
}

/** Checks second derivatives: gradcheck of x -> d<v, f(x)>/dx computed with createGraph. */
export async function gradgradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): Promise<true> {
  const seed = options.seed ?? 7;
  const v = tidy(() => directions(outputsOf(fn, inputs), seed + 1));
  const firstDerivative = (...xs: Tensor[]) => {
    const grads = grad(projection(outputsOf(fn, xs), v), xs, { createGraph: true, allowUnused: true });
    return grads.map((g, k) => g ?? mul(xs[k], 0));
  };
  try {
    return await gradcheck(firstDerivative, inputs, options);
  } finally {
    v.forEach((t) => t.dispose());
  }
}

export interface ParameterCheckOptions extends GradcheckOptions {
  /** Elements checked per parameter tensor (spread evenly, first and last included); all when omitted. */
  elementsPerTensor?: number;
}

/**
 * Checks d loss / d parameter for tensors a model holds (so they cannot be swapped for perturbed copies): each checked
 * element is perturbed in place with copy_, the loss re-evaluated, and the original restored.
 */
export async function gradcheckParameters(
  loss: () => Tensor,
  params: Tensor[],
  options: ParameterCheckOptions = {},
): Promise<true> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  const analytic = tidy(() => grad(loss(), params, { allowUnused: true }));
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    if (p.device !== 'cpu')
      throw new Error('gradcheckParameters: parameters must live on the float64 reference backend');
    const base = Float64Array.from(await p.data());
    const a = analytic[k] ? await analytic[k]!.data() : new Float64Array(base.length);
    const count = Math.min(options.elementsPerTensor ?? base.length, base.length);
    const picked = new Set(
      Array.from({ length: count }, (_, j) => (count === 1 ? 0 : Math.round((j * (base.length - 1)) / (count - 1)))),
    );
    const original = tensor(base, p.shape, { device: p.backend });
    for (const i of picked) {
      const at = async (delta: number) => {
        const shifted = Float64Array.from(base);
        shifted[i] += delta;
        const moved = tensor(shifted, p.shape, { device: p.backend });
        p.copy_(moved);
        moved.dispose();
        const value = tidy(() => detach(loss()));
        const v = await value.item();
        value.dispose();
        return v;
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      p.copy_(original);
      if (!(Math.abs(a[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheckParameters: parameter ${k} ${p} element ${i}: autograd ${a[i]}, finite differences ${numeric}`,
        );
      }
    }
    original.dispose();
  }
  analytic.forEach((g) => g?.dispose());
  return true;
}

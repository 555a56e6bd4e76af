// Fused optimiser steps, element by element, following the formulas in AdamParams and SgdParams.

import type { AdamParams, SgdParams } from '../tensor/backend.ts';

export function adam(
  params: Float64Array[],
  grads: Float64Array[],
  ms: Float64Array[],
  vs: Float64Array[],
  p: AdamParams,
) {
  const outs = params.map((param, k) => adamOne(param, grads[k], ms[k], vs[k], p));
  return { params: outs.map((o) => o.param), ms: outs.map((o) => o.m), vs: outs.map((o) => o.v) };
}

export function adamInPlace(
  params: Float64Array[],
  grads: Float64Array[],
  ms: Float64Array[],
  vs: Float64Array[],
  p: AdamParams,
): void {
  params.forEach((param, k) => {
    const out = adamOne(param, grads[k], ms[k], vs[k], p);
    param.set(out.param);
    ms[k].set(out.m);
    vs[k].set(out.v);
  });
}

function adamOne(param: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, p: AdamParams) {
  const n = param.length;
  const out = { param: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const g = grad[i] + p.weightDecay * param[i];
    const mi = p.beta1 * m[i] + (1 - p.beta1) * g;
    const vi = p.beta2 * v[i] + (1 - p.beta2) * g * g;
    out.m[i] = mi;
    out.v[i] = vi;
    out.param[i] = param[i] - (p.lr * (mi / p.biasCorrection1)) / (Math.sqrt(vi / p.biasCorrection2) + p.eps);
  }
  return out;
}

export function sgd(param: Float64Array, grad: Float64Array, buf: Float64Array, p: SgdParams) {
  const n = param.length;
  const out = { param: new Float64Array(n), buf: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const g = grad[i] + p.weightDecay * param[i];
    const b = p.firstStep ? g : p.momentum * buf[i] + (1 - p.dampening) * g;
    out.buf[i] = b;
    // Like PyTorch, momentum 0 steps along the gradient itself; the buffer is then unused.
    const direction = p.momentum === 0 ? g : p.nesterov ? g + p.momentum * b : b;
    out.param[i] = param[i] - p.lr * direction;
  }
  return out;
}

// Fused optimiser updates: one dispatch reads a parameter, its gradient and its state, and writes the new values.

import type { AdamParams, SgdParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { perElementMain, preamble, WG } from './common.ts';

const adamKernel: KernelSource = {
  name: 'adam',
  key: 'adam',
  source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, bias_correction1: f32, bias_correction2: f32 }
@group(0) @binding(0) var<storage, read> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> m_in: array<f32>;
@group(0) @binding(3) var<storage, read> v_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> param_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> m_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

${perElementMain()}
  let p = param[i];
  let g = grad[i] + params.weight_decay * p;
  let m = params.beta1 * m_in[i] + (1.0 - params.beta1) * g;
  let v = params.beta2 * v_in[i] + (1.0 - params.beta2) * g * g;
  m_out[i] = m;
  v_out[i] = v;
  param_out[i] = p - params.lr * (m / params.bias_correction1) / (sqrt(v / params.bias_correction2) + params.eps);
}`,
};

export function adam(rt: GpuRuntime, param: GpuStorage, grad: GpuStorage, m: GpuStorage, v: GpuStorage, p: AdamParams) {
  const n = param.size;
  const out = { param: rt.alloc(n, 'adam'), m: rt.alloc(n, 'adam'), v: rt.alloc(n, 'adam') };
  rt.dispatch(
    adamKernel,
    { param, grad, m_in: m, v_in: v, param_out: out.param, m_out: out.m, v_out: out.v },
    {
      n,
      lr: p.lr,
      beta1: p.beta1,
      beta2: p.beta2,
      eps: p.eps,
      weight_decay: p.weightDecay,
      bias_correction1: p.biasCorrection1,
      bias_correction2: p.biasCorrection2,
    },
    grid1d(n, WG),
  );
  return out;
}

const sgdKernel: KernelSource = {
  name: 'sgd',
  key: 'sgd',
  source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, lr: f32, momentum: f32, dampening: f32, weight_decay: f32, nesterov: u32, first_step: u32 }
@group(0) @binding(0) var<storage, read> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> buf_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> param_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> buf_out: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

${perElementMain()}
  let p = param[i];
  let g = grad[i] + params.weight_decay * p;
  let buf = select(params.momentum * buf_in[i] + (1.0 - params.dampening) * g, g, params.first_step != 0u);
  buf_out[i] = buf;
  let direction = select(buf, g + params.momentum * buf, params.nesterov != 0u);
  param_out[i] = p - params.lr * select(g, direction, params.momentum != 0.0);
}`,
};

export function sgd(rt: GpuRuntime, param: GpuStorage, grad: GpuStorage, buf: GpuStorage, p: SgdParams) {
  const n = param.size;
  const out = { param: rt.alloc(n, 'sgd'), buf: rt.alloc(n, 'sgd') };
  rt.dispatch(
    sgdKernel,
    { param, grad, buf_in: buf, param_out: out.param, buf_out: out.buf },
    {
      n,
      lr: p.lr,
      momentum: p.momentum,
      dampening: p.dampening,
      weight_decay: p.weightDecay,
      nesterov: p.nesterov ? 1 : 0,
      first_step: p.firstStep ? 1 : 0,
    },
    grid1d(n, WG),
  );
  return out;
}

// Fused optimiser updates: one dispatch reads a parameter, its gradient and its state, and writes the new values.

import type { AdamParams, SgdParams } from '../../tensor/backend.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { cached, perElementMain, preamble, VEC4S_PER_INVOCATION, WG } from './common.ts';

/** Parameters one Adam dispatch updates at most (the uniform table below has room for 4). */
const ADAM_MAX_PER_DISPATCH = 4;
/** Storage bindings per parameter: its value, gradient and two states, and new storages for three of them. */
const BINDINGS = { copy: 7, inPlace: 4 };

/**
 * Adam over `count` parameters: each owns a run of consecutive workgroups (its first workgroup and size in the
 * uniform table), so the branch on the parameter is the same for a whole workgroup. With `vec4` (parameters whose
 * sizes are multiples of 4) an invocation updates VEC4S_PER_INVOCATION vec4s, a workgroup's width apart: on lavapipe a
 * fixed cost per invocation dominated the f32 kernel (12 ns a parameter, 1M parameters in 12.1 ms).
 */
const adamKernel = cached((key: string): KernelSource => {
  const [countText, mode, width] = key.split('|');
  const count = Number(countText);
  const inPlace = mode === 'inPlace';
  const [type, rounds] = width === 'vec4' ? ['vec4<f32>', VEC4S_PER_INVOCATION] : ['f32', 1];
  // In place, param, m_in and v_in are read and written (the *_out names alias them).
  const names = inPlace
    ? ['param', 'grad', 'm_in', 'v_in']
    : ['param', 'grad', 'm_in', 'v_in', 'param_out', 'm_out', 'v_out'];
  const written = (name: string) => name.endsWith('_out') || (inPlace && name !== 'grad');
  const bindings = Array.from({ length: count }, (_, k) =>
    names.map(
      (name, j) =>
        `@group(0) @binding(${names.length * k + j}) var<storage, ${written(name) ? 'read_write' : 'read'}> ${name}${k}: array<${type}>;`,
    ),
  ).flat();
  const out = (name: string, k: number) =>
    inPlace ? `${name === 'param' ? 'param' : `${name}_in`}${k}` : `${name}_out${k}`;
  const update = (k: number) => `
      let p = param${k}[i];
      let g = grad${k}[i] + params.weight_decay * p;
      let m = params.beta1 * m_in${k}[i] + (1.0 - params.beta1) * g;
      let v = params.beta2 * v_in${k}[i] + (1.0 - params.beta2) * g * g;
      ${out('m', k)}[i] = m;
      ${out('v', k)}[i] = v;
      ${out('param', k)}[i] = p - params.lr * (m / params.bias_correction1) / (sqrt(v / params.bias_correction2) + params.eps);`;
  return {
    name: 'adam',
    key: `adam:${key}`,
    source: () => /* wgsl */ `
${preamble}
struct Params {
  lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, bias_correction1: f32, bias_correction2: f32,
  groups: u32,
  // Per parameter: its size (in ${type}s), then the first workgroup of its run.
  sizes: vec4<u32>, starts: vec4<u32>,
}
${bindings.join('\n')}
@group(0) @binding(${names.length * count}) var<uniform> params: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let flat = wid.y * nwg.x + wid.x;
  if (flat >= params.groups) { return; }
  var k = 0u;
  for (; k + 1u < ${count}u; k += 1u) {
    if (flat < params.starts[k + 1u]) { break; }
  }
  for (var round = 0u; round < ${rounds}u; round += 1u) {
    let i = ((flat - params.starts[k]) * ${rounds}u + round) * ${WG}u + lid;
    if (i >= params.sizes[k]) { return; }
    switch k {
${Array.from(
  { length: count },
  (_, k) => `      case ${k === count - 1 ? 'default' : `${k}u`}: {${update(k)}
      }`,
).join('\n')}
    }
  }
}`,
  };
});

/**
 * Adam's dispatches over every parameter, as many per dispatch as the adapter's storage bindings allow (1 where an
 * adapter has WebGPU's minimum of 8; on lavapipe's 16, 2 with new storages and 4 in place): one dispatch per parameter
 * cost 37 a CAVGA step. `outputs(k)` gives parameter k's output bindings (none in place).
 */
function adamDispatches(
  rt: GpuRuntime,
  mode: keyof typeof BINDINGS,
  inputs: { params: GpuStorage[]; grads: GpuStorage[]; ms: GpuStorage[]; vs: GpuStorage[] },
  p: AdamParams,
  outputs: (k: number) => Record<string, GpuStorage>,
): void {
  const limit = rt.info.limits.maxStorageBuffersPerShaderStage ?? 8;
  const perDispatch = Math.max(1, Math.min(ADAM_MAX_PER_DISPATCH, Math.floor(limit / BINDINGS[mode])));
  // Parameters whose sizes are multiples of 4 go to the vec4 kernel, the others to the f32 one, perDispatch at a time.
  const all = inputs.params.map((_, k) => k);
  const batches = (['vec4', 'f32'] as const).flatMap((width) => {
    const ks = all.filter((k) => (inputs.params[k].size % 4 === 0) === (width === 'vec4'));
    return Array.from({ length: Math.ceil(ks.length / perDispatch) }, (_, b) => ({
      width,
      ks: ks.slice(b * perDispatch, (b + 1) * perDispatch),
    }));
  });
  for (const { width, ks } of batches) {
    const [perElement, perGroup] = width === 'vec4' ? [4, 4 * VEC4S_PER_INVOCATION * WG] : [1, WG];
    const bindings: Record<string, GpuStorage> = {};
    const sizes = [0, 0, 0, 0];
    const starts = [0, 0, 0, 0];
    let groups = 0;
    ks.forEach((k, j) => {
      const n = inputs.params[k].size;
      const named: Record<string, GpuStorage> = {
        param: inputs.params[k],
        grad: inputs.grads[k],
        m_in: inputs.ms[k],
        v_in: inputs.vs[k],
        ...outputs(k),
      };
      for (const [name, s] of Object.entries(named)) bindings[`${name}${j}`] = s;
      sizes[j] = n / perElement;
      starts[j] = groups;
      groups += Math.ceil(n / perGroup);
    });
    const uniforms = {
      lr: p.lr,
      beta1: p.beta1,
      beta2: p.beta2,
      eps: p.eps,
      weight_decay: p.weightDecay,
      bias_correction1: p.biasCorrection1,
      bias_correction2: p.biasCorrection2,
      groups,
      sizes,
      starts,
    };
    rt.dispatch(adamKernel(`${ks.length}|${mode}|${width}`), bindings, uniforms, grid1d(groups, 1));
  }
}

export function adam(
  rt: GpuRuntime,
  params: GpuStorage[],
  grads: GpuStorage[],
  ms: GpuStorage[],
  vs: GpuStorage[],
  p: AdamParams,
) {
  const fresh = (s: GpuStorage[]) => s.map((x) => rt.alloc(x.size, 'adam'));
  const out = { params: fresh(params), ms: fresh(ms), vs: fresh(vs) };
  adamDispatches(rt, 'copy', { params, grads, ms, vs }, p, (k) => ({
    param_out: out.params[k],
    m_out: out.ms[k],
    v_out: out.vs[k],
  }));
  return out;
}

export function adamInPlace(
  rt: GpuRuntime,
  params: GpuStorage[],
  grads: GpuStorage[],
  ms: GpuStorage[],
  vs: GpuStorage[],
  p: AdamParams,
): void {
  adamDispatches(rt, 'inPlace', { params, grads, ms, vs }, p, () => ({}));
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

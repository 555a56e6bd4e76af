// Fills a buffer with one value, and the counter-based random draws (same bits as src/tensor/random.ts).

import type { RandomParams } from '../../tensor/backend.ts';
import { splitSeed, threefryWgsl } from '../../tensor/random.ts';
import { grid1d, type GpuRuntime, type GpuStorage, type KernelSource } from '../runtime.ts';
import { perElementMain, preamble, WG } from './common.ts';

const fillKernel: KernelSource = {
  name: 'fill',
  key: 'fill',
  source: () => /* wgsl */ `
${preamble}
struct Params { n: u32, value: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i < params.n) { out[i] = params.value; }
}`,
};

export function fill(rt: GpuRuntime, size: number, value: number): GpuStorage {
  const out = rt.alloc(size, 'fill');
  rt.dispatch(fillKernel, { out }, { n: size, value }, grid1d(size, WG));
  return out;
}

const randomKernel = (kind: 'uniform' | 'normal'): KernelSource => ({
  name: `random_${kind}`,
  key: `random:${kind}`,
  source: () => /* wgsl */ `
${preamble}
${threefryWgsl}
struct Params { n: u32, key0: u32, key1: u32, offset_lo: u32, offset_hi: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
${perElementMain()}
  let lo = params.offset_lo + i;
  let hi = params.offset_hi + select(0u, 1u, lo < i); // carry
  let w = threefry(params.key0, params.key1, lo, hi);
  out[i] = ${kind === 'uniform' ? 'uniform_from_bits(w.x)' : 'normal_from_bits(w.x, w.y)'};
}`,
});
const randomKernels = { uniform: randomKernel('uniform'), normal: randomKernel('normal') };

export function random(rt: GpuRuntime, p: RandomParams): GpuStorage {
  const [key0, key1] = splitSeed(p.seed);
  const out = rt.alloc(p.size, `random_${p.kind}`);
  const uniforms = {
    n: p.size,
    key0,
    key1,
    offset_lo: p.offset >>> 0,
    offset_hi: Math.floor(p.offset / 2 ** 32) >>> 0,
  };
  rt.dispatch(randomKernels[p.kind], { out }, uniforms, grid1d(p.size, WG));
  return out;
}

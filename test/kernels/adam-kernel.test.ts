// The Adam kernel: several parameters per dispatch (as many as the adapter's storage bindings allow), each with its own
// size, against the float64 reference with poisoned outputs; sizes that are not multiples of the workgroup, one of a
// single element, and more parameters than one dispatch takes. Sizes that are multiples of 4 run the vec4 kernel (in
// dispatches of their own): 4, 64, 100 and 8196, two vec4 workgroups and a part of a third.

import { describe, expect, it } from 'vitest';
import type { Storage } from '../../src/tensor/backend.ts';
import { adamHyper as hyper, adamInputs } from '../helpers/adam-inputs.ts';
import { expectClose, reference, webgpu } from '../helpers/backends.ts';

const sizes = [1, 255, 257, 1025, 3, 64, 100, 4, 8196];
/** Dispatches for `sizes` with `perDispatch` parameters a dispatch: the vec4 ones and the others apart. */
const dispatchesFor = (perDispatch: number) => {
  const vec4s = sizes.filter((n) => n % 4 === 0).length;
  return Math.ceil(vec4s / perDispatch) + Math.ceil((sizes.length - vec4s) / perDispatch);
};

describe('adam kernel', () => {
  it('9 parameters of sizes 1 to 8196 in packed dispatches match float64, in order, with one dispatch per pack', async () => {
    const gpu = await webgpu();
    const before = gpu.rt.counters.dispatches;
    const actual = gpu.adam(...adamInputs(gpu, sizes), hyper);
    const perDispatch = Math.min(4, Math.floor(gpu.rt.info.limits.maxStorageBuffersPerShaderStage / 7));
    expect(gpu.rt.counters.dispatches - before).toBe(dispatchesFor(Math.max(1, perDispatch)));
    const expected = reference.adam(...adamInputs(reference, sizes), hyper);
    const read = (b: typeof gpu | typeof reference, s: Storage[]) => Promise.all(s.map((x) => b.read(x)));
    for (const key of ['params', 'ms', 'vs'] as const) {
      const [a, e] = [await read(gpu, actual[key]), await read(reference, expected[key])];
      sizes.forEach((n, k) => {
        expect(a[k].length).toBe(n);
        expectClose(a[k], e[k], 1e-5, 1e-6, `${key}[${k}]`);
      });
    }
  });

  it('in place: the same values written into the given storages, with twice as many parameters per dispatch', async () => {
    const gpu = await webgpu();
    const [p, g, m, v] = adamInputs(gpu, sizes);
    const before = gpu.rt.counters.dispatches;
    gpu.adamInPlace(p, g, m, v, hyper);
    const perDispatch = Math.min(4, Math.floor(gpu.rt.info.limits.maxStorageBuffersPerShaderStage / 4));
    expect(gpu.rt.counters.dispatches - before).toBe(dispatchesFor(Math.max(1, perDispatch)));
    const expected = reference.adam(...adamInputs(reference, sizes), hyper);
    for (const [key, actual] of [
      ['params', p],
      ['ms', m],
      ['vs', v],
    ] as const) {
      const e = await Promise.all(expected[key].map((x) => reference.read(x)));
      const a = await Promise.all(actual.map((x) => gpu.read(x)));
      sizes.forEach((_, k) => expectClose(a[k], e[k], 1e-5, 1e-6, `${key}[${k}] in place`));
    }
  });
});

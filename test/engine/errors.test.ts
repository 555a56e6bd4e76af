// Bad input gets one clear error naming what is wrong.

import { describe, expect, it, beforeAll } from 'vitest';
import * as ops from '../../src/autograd/index.ts';
import { grad } from '../../src/autograd/engine.ts';
import { withDevice } from '../../src/devices.ts';
import { randn, tensor, zeros } from '../../src/tensor/creation.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { webgpu } from '../helpers/backends.ts';

let gpu: WebGPUBackend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe.each(['cpu', 'webgpu'])('bad input on %s', (name) => {
  const on = <T>(fn: () => T) => withDevice(name === 'cpu' ? 'cpu' : (gpu as Backend), fn);

  it('broadcasting mismatch names both shapes', () => {
    on(() => expect(() => ops.add(zeros([2, 3]), zeros([4]))).toThrow(/\[2, 3\] and \[4\]/));
  });
  it('matmul mismatch names both shapes', () => {
    on(() => expect(() => ops.matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/\[2, 3\] and \[4, 5\]/));
  });
  it('conv2d channel mismatch names input and weight', () => {
    on(() =>
      expect(() => ops.conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3]))).toThrow(/\[1, 3, 8, 8\].*\[4, 2, 3, 3\]/),
    );
  });
  it('reshape to a different size names both shapes', () => {
    on(() => expect(() => ops.reshape(zeros([2, 3]), [4, 2])).toThrow(/\[2, 3\].*\[4, 2\]/));
  });
  it('NaN and infinity are refused at creation', () => {
    on(() => {
      expect(() => tensor([1, NaN, 3])).toThrow(/index 1 is not finite/);
      expect(() => tensor([Infinity])).toThrow(/not finite/);
    });
  });
  it('a disposed tensor used again throws', async () => {
    const x = on(() => randn([3]));
    x.dispose();
    on(() => expect(() => ops.exp(x)).toThrow(/used after dispose/));
    await expect(x.data()).rejects.toThrow(/used after dispose/);
  });
  it('mixing devices is refused', async () => {
    const a = withDevice('cpu', () => zeros([2]));
    const b = withDevice(gpu, () => zeros([2]));
    expect(() => ops.add(a, b)).toThrow(/different devices/);
  });
  it('grad of an unused input names it', () => {
    on(() => {
      const a = randn([2]).requiresGrad_();
      const b = randn([2]).requiresGrad_();
      expect(() => grad(ops.sum(ops.exp(a)), [a, b])).toThrow(/input 1/);
    });
  });
  it('item() on a tensor with several elements says how many', async () => {
    await expect(on(() => zeros([2, 2])).item()).rejects.toThrow(/4 elements/);
  });
});

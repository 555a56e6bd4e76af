// WebGPU failures become exceptions that name the op, and the device stays usable afterwards.

import { describe, expect, it, beforeAll } from 'vitest';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { webgpu } from '../helpers/backends.ts';

let gpu: WebGPUBackend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe('WebGPU failures become exceptions naming the op', () => {
  it('a shader that fails to compile names the kernel', async () => {
    const broken = {
      name: 'broken_kernel',
      key: 'test:broken',
      source: () =>
        '@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = undefined_name; }',
    };
    const out = gpu.rt.alloc(1, 'test');
    let error: unknown;
    try {
      gpu.rt.dispatch(broken, { out }, {}, [1, 1, 1]);
      await gpu.rt.sync();
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/broken_kernel/);
    gpu.rt.release(out);
    // The error was reported once; later work runs normally.
    const x = gpu.upload([1, 2, 3]);
    expect(Array.from(await gpu.read(gpu.unary('square', x, 0)))).toEqual([1, 4, 9]);
  });

  it('a tensor larger than the adapter allows is refused before anything is encoded', () => {
    expect(() => gpu.rt.alloc(gpu.rt.maxBindingBytes, 'huge')).toThrow(
      /huge.*exceeds this adapter's largest storage binding/,
    );
  });
});

// The runtime's own jobs: WebGPU's flag values defined by the project agree with Dawn's, the buffer pool's size classes
// and reuse order, the profiler, whose two sources (timestamp queries, synced replay) must see the same dispatches and
// leave the results unchanged, and the host's wait for the device.

import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { BufferPool, sizeClass } from '../../src/kernels/runtime/buffer-pool.ts';
import { waitFor } from '../../src/kernels/runtime/host-wait.ts';
import { BufferUsage, MapMode, ShaderStage } from '../../src/kernels/runtime/gpu-constants.ts';
import type { Storage } from '../../src/tensor/backend.ts';
import { randomValues, webgpu } from '../helpers/backends.ts';

let gpu: WebGPUBackend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe('WebGPU flag values', () => {
  it("equal Dawn's globals (installed by init)", () => {
    for (const [name, value] of Object.entries(BufferUsage))
      expect(value, `GPUBufferUsage.${name}`).toBe(GPUBufferUsage[name as keyof typeof BufferUsage]);
    for (const [name, value] of Object.entries(MapMode))
      expect(value, `GPUMapMode.${name}`).toBe(GPUMapMode[name as keyof typeof MapMode]);
    expect(ShaderStage.COMPUTE).toBe(GPUShaderStage.COMPUTE);
  });
});

describe('buffer pool size classes', () => {
  it('hold the request, are powers of two up to 64 KiB and waste at most 1/8 above', () => {
    for (const bytes of [1, 16, 17, 1000, 65536, 65537, 100_000, 3_000_000, 123_456_789]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      if (bytes <= 65536) expect(Math.log2(c) % 1).toBe(0);
      else expect((c - bytes) / bytes).toBeLessThanOrEqual(1 / 8);
    }
  });
});

/** A few dispatches of two kernels: 3 squares and 2 exps, chained, over 4099 values (the per-element variant). */
function chain(x: Storage): Storage[] {
  const a = gpu.unary('square', x, 0);
  const b = gpu.unary('exp', a, 0);
  const c = gpu.unary('square', b, 0);
  const d = gpu.unary('exp', gpu.unary('square', x, 0), 0);
  return [a, b, c, d];
}

describe('profiler', () => {
  for (const mode of ['auto', 'synced'] as const) {
    it(`${mode}: counts every dispatch by kernel and leaves the results as they were`, async () => {
      const x = gpu.upload(randomValues(4099, 7));
      const plain = chain(x);
      const expected = await gpu.read(plain[3]);
      gpu.rt.startProfiling(mode);
      const profiled = chain(x);
      const profile = await gpu.rt.stopProfiling();
      const actual = await gpu.read(profiled[3]);
      for (const s of [x, ...plain, ...profiled]) gpu.release(s);

      expect(Array.from(actual)).toEqual(Array.from(expected));
      const source = mode === 'synced' || !gpu.rt.device.features.has('timestamp-query') ? 'synced' : 'timestamps';
      expect(profile.source).toBe(source);
      const byName = Object.fromEntries(profile.kernels.map((k) => [k.name, k.dispatches]));
      expect(byName).toEqual({ square: 3, exp: 2 });
      for (const k of profile.kernels) expect(k.ms).toBeGreaterThanOrEqual(0);
      const ms = profile.kernels.map((k) => k.ms);
      expect([...ms].sort((a, b) => b - a)).toEqual(ms);
    });
  }

  it('refuses a second profile while one runs', async () => {
    gpu.rt.startProfiling();
    expect(() => gpu.rt.startProfiling()).toThrow(/already running/);
    expect((await gpu.rt.stopProfiling()).kernels).toEqual([]);
  });
});

describe('buffer pool reuse order', () => {
  it('hands out free buffers oldest first, whatever order they were released in', () => {
    const pool = new BufferPool(gpu.rt.device);
    const [a, b, c] = [pool.acquire(4096, 'a'), pool.acquire(4096, 'b'), pool.acquire(4096, 'c')];
    for (const order of [
      [a, b, c],
      [c, a, b],
      [b, c, a],
    ]) {
      order.forEach((buffer) => pool.release(buffer));
      pool.afterSubmit();
      expect([pool.acquire(4096, 'x'), pool.acquire(4096, 'y'), pool.acquire(4096, 'z')]).toEqual([a, b, c]);
    }
    // Released buffers wait for a submit before they are handed out again.
    pool.release(a);
    expect(pool.acquire(4096, 'fresh')).not.toBe(a);
  });
});

describe('waiting for the device', () => {
  it('resolves and rejects as the awaited promise does', async () => {
    await expect(waitFor(Promise.resolve(3))).resolves.toBe(3);
    await expect(waitFor(new Promise((resolve) => setTimeout(() => resolve('late'), 20)))).resolves.toBe('late');
    await expect(waitFor(Promise.reject(new Error('failed')))).rejects.toThrow('failed');
  });
});

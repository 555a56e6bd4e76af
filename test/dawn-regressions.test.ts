// Dawn in Node crashed here when a Dawn promise was awaited after a hot JavaScript loop in the same async function
// (engine-notes.md). The engine's readback path must survive that pattern.

import { describe, expect, it } from 'vitest';
import { webgpu } from './helpers/backends.ts';

function busyWork(iterations: number): number {
  let acc = 0;
  for (let i = 0; i < iterations; i++) acc += Math.sqrt(i) * 1e-9;
  return acc;
}

describe('Dawn regressions', () => {
  it('readback after a hot loop inside the same async function', async () => {
    const gpu = await webgpu();
    for (let round = 0; round < 3; round++) {
      const x = gpu.upload(new Float32Array(4096).fill(1));
      await gpu.read(x);
      let acc = 0;
      for (let i = 0; i < 2e7; i++) acc += Math.sqrt(i) * 1e-9; // deliberately inline, not in a helper
      const y = gpu.unary('exp', x, 0);
      const values = await gpu.read(y);
      expect(values[4095]).toBeCloseTo(Math.E, 5);
      expect(acc).toBeCloseTo(busyWork(2e7), 6);
      gpu.release(x);
      gpu.release(y);
    }
  });
});

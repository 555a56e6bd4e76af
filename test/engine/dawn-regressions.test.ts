// Dawn in Node crashed here when a Dawn promise was awaited after a hot JavaScript loop in the same async function
// (docs/engine-notes.md, "Dawn in Node"). The engine's readback path must survive that pattern.

import { describe, expect, it } from 'vitest';
import { webgpu } from '../helpers/backends.ts';

// sum_{i<n} sqrt(i) by the Euler-Maclaurin formula: (2/3) n^1.5 - sqrt(n) / 2 + zeta(-1/2) + ..., accurate to 1e-6 here.
const sumOfRoots = (n: number) => (2 / 3) * n ** 1.5 - Math.sqrt(n) / 2 - 0.207886225 + 1 / (24 * Math.sqrt(n));

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
      expect(acc).toBeCloseTo(sumOfRoots(2e7) * 1e-9, 6); // the loop really ran, and was not optimised away
      gpu.release(x);
      gpu.release(y);
    }
  });
});

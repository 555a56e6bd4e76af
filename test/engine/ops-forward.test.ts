// Every op at the tensor level: WebGPU (float32, NaN-poisoned outputs) against the float64 reference on the same inputs.

import { describe, expect, it, beforeAll } from 'vitest';
import { withDevice } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { allCases, valuesFor, type OpCase } from '../helpers/cases.ts';
import { expectClose, reference, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

async function runOn(backend: Backend, c: OpCase): Promise<Float32Array | Float64Array> {
  const out = withDevice(backend, () =>
    tidy(() => c.run(...c.inputs.map((spec, k) => tensor(valuesFor(spec, k + 1), spec.shape)))),
  );
  const values = await out.data();
  out.dispose();
  return values;
}

describe('ops: WebGPU matches the float64 reference', () => {
  for (const c of allCases) {
    // Default tolerance: 1e-4 relative plus 1e-5 absolute; float32 rounding of a few operations stays well inside it.
    it(c.name, async () => {
      const [actual, expected] = [await runOn(gpu, c), await runOn(reference, c)];
      expectClose(actual, expected, c.rtol ?? 1e-4, c.atol ?? 1e-5, c.name);
      expect(actual.length).toBeGreaterThan(0);
    });
  }
});

describe('interpolate matches PyTorch on a known example', () => {
  const x = [1, 2, 3, 4];
  const cases: [string, object, number[]][] = [
    [
      'bilinear',
      { scaleFactor: 2, mode: 'bilinear' },
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
    ],
    [
      'bilinear align_corners',
      { scaleFactor: 2, mode: 'bilinear', alignCorners: true },
      [1, 4 / 3, 5 / 3, 2, 5 / 3, 2, 7 / 3, 8 / 3, 7 / 3, 8 / 3, 3, 10 / 3, 3, 10 / 3, 11 / 3, 4],
    ],
    ['nearest', { scaleFactor: 2, mode: 'nearest' }, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]],
  ];
  for (const [name, options, expected] of cases) {
    it(name, async () => {
      const { interpolate } = await import('../../src/nn/functional/interpolate.ts');
      for (const backend of [reference, gpu]) {
        const y = withDevice(backend, () => interpolate(tensor(x, [1, 1, 2, 2]) as Tensor, options));
        expectClose(await y.data(), expected, 1e-6, 1e-6, `${name} on ${backend.name}`);
      }
    });
  }
});

// Reading several tensors in one readback: the same values as reading each, on both devices, with one submit however
// many tensors; an empty list, a 0-d tensor and tensors on different devices.

import { describe, expect, it } from 'vitest';
import { withDevice } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { readAll } from '../../src/tensor/tensor.ts';
import { webgpu } from '../helpers/backends.ts';

describe('readAll', () => {
  it('gives each tensor its own values (sizes 1, 0-d, 5 and 1031) in one submit on WebGPU, and the same on cpu', async () => {
    const gpu = await webgpu();
    const make = () => [
      tensor([7], [1]),
      tensor([-2.5], []),
      tensor([1, 2, 3, 4, 5], [5]),
      tensor(
        Array.from({ length: 1031 }, (_, i) => i / 7),
        [1031],
      ),
    ];
    const onCpu = await readAll(withDevice('cpu', make));
    const tensors = withDevice(gpu, make);
    const each = await Promise.all(tensors.map((t) => t.data()));
    const submits = gpu.rt.counters.submits;
    const together = await readAll(tensors);
    expect(gpu.rt.counters.submits - submits).toBe(1);
    expect(together.map((v) => Array.from(v))).toEqual(each.map((v) => Array.from(v)));
    expect(together.map((v) => Array.from(v))).toEqual(onCpu.map((v) => Array.from(Float32Array.from(v))));
    expect(together.map((v) => v.length)).toEqual([1, 1, 5, 1031]);
  });

  it('reads nothing for no tensors, and refuses tensors on different devices in one line', async () => {
    const gpu = await webgpu();
    expect(await readAll([])).toEqual([]);
    const mixed = [withDevice('cpu', () => tensor([1], [1])), withDevice(gpu, () => tensor([2], [1]))];
    await expect(readAll(mixed)).rejects.toThrow(/^readAll: tensors are on different devices \(cpu, webgpu\)$/);
  });
});

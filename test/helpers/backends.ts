// Shared by the tests: one WebGPU backend per test process (poisoned allocations) and the float64 reference backend.

import { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { ReferenceBackend } from '../../src/reference/backend.ts';
import type { Storage } from '../../src/tensor/backend.ts';
import { lcgValues } from '../../src/tensor/lcg.ts';

let gpu: Promise<WebGPUBackend> | null = null;

/** The process's WebGPU backend, with every new buffer filled with NaN before a kernel writes it. */
export function webgpu(): Promise<WebGPUBackend> {
  gpu ??= WebGPUBackend.create().then((b) => {
    b.rt.poison = true;
    return b;
  });
  return gpu;
}

export const reference = new ReferenceBackend();

/** Deterministic float32-representable values in [-1, 1) from a small LCG, so both backends see identical inputs. */
export function randomValues(n: number, seed = 1): Float32Array {
  return Float32Array.from(lcgValues(n, seed));
}

/** Largest |a - b| / (atol/rtol scale); throws with the first offending index when over tolerance. NaN always fails. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Runs the same primitive on both backends with the same inputs and compares the results. */
export async function compareBackends(
  what: string,
  inputs: Float32Array[],
  run: (backend: WebGPUBackend | ReferenceBackend, storages: Storage[]) => Storage,
  rtol = 1e-4,
  atol = 1e-5,
): Promise<void> {
  const g = await webgpu();
  const gpuIn = inputs.map((x) => g.upload(x));
  const refIn = inputs.map((x) => reference.upload(x));
  const gpuOut = run(g, gpuIn);
  const refOut = run(reference, refIn);
  const [actual, expected] = [await g.read(gpuOut), await reference.read(refOut)];
  for (const s of [...gpuIn, gpuOut]) g.release(s);
  expectClose(actual, expected, rtol, atol, what);
}

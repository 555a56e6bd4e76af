// The reduce kernel against the float64 reference, over shapes that take each of its plans: one invocation per output
// (short extents or many outputs; on a CPU adapter from 16 outputs), one workgroup per output, and the two-pass split
// (few long outputs), with reduced groups that are innermost, outermost, in the middle or several at once, and
// contiguous runs read as vec4s or not. Names give the plan on a GPU, then on a CPU adapter (lavapipe, as in CI) where
// it differs.

import { describe, expect, it } from 'vitest';
import type { ReduceOp, ReduceParams } from '../../src/tensor/backend.ts';
import { numel } from '../../src/tensor/shape.ts';
import { compareBackends, randomValues, webgpu } from '../helpers/backends.ts';

const cases: [string, ReduceParams][] = [
  [
    'per-channel statistics: axes (0, 2, 3) of [16, 64, 32, 32] (split; CPU: invocation per output, vec4s)',
    { inShape: [16, 64, 32, 32], axes: [0, 2, 3] },
  ],
  [
    'everything of 1e6 elements (split, slices not a multiple of the workgroup)',
    { inShape: [1000, 1000], axes: [0, 1] },
  ],
  [
    'a middle axis: axis 1 of [7, 300, 13] (workgroup per output; CPU: invocation per output)',
    { inShape: [7, 300, 13], axes: [1] },
  ],
  [
    'per-channel sums over a 3x3 plane: axes (0, 2, 3) of [16, 20, 3, 3] (CPU: 3 workgroups of 8 invocations, no vec4s)',
    { inShape: [16, 20, 3, 3], axes: [0, 2, 3] },
  ],
  ['the last axis, short: axis 1 of [50, 10] (invocation per output)', { inShape: [50, 10], axes: [1] }],
  ['the first axis: axis 0 of [100, 37]', { inShape: [100, 37], axes: [0] }],
  [
    '300 long outputs: axis 1 of [300, 1000] (workgroup per output, no split; CPU: invocation per output, vec4s)',
    { inShape: [300, 1000], axes: [1] },
  ],
  [
    '2048 outputs: axis 1 of [2048, 100] (invocation per output; CPU: vec4s, workgroups of 64)',
    { inShape: [2048, 100], axes: [1] },
  ],
  ['two separate axes, short: (1, 3) of [3, 4, 5, 6]', { inShape: [3, 4, 5, 6], axes: [1, 3] }],
  [
    'two separate axes, long: (1, 3) of [5, 40, 3, 50] (15 outputs: workgroup per output on both)',
    { inShape: [5, 40, 3, 50], axes: [1, 3] },
  ],
  ['two separate axes, a very short inner one: (1, 3) of [4, 100, 2, 3]', { inShape: [4, 100, 2, 3], axes: [1, 3] }],
  ['everything of a small tensor: [3, 5, 2]', { inShape: [3, 5, 2], axes: [0, 1, 2] }],
  ['size-1 axes only: axis 1 of [4, 1, 5] (a copy)', { inShape: [4, 1, 5], axes: [1] }],
  ['no axes (a copy)', { inShape: [6, 7], axes: [] }],
  ['rank 6 with alternating axes', { inShape: [2, 3, 4, 3, 2, 5], axes: [0, 2, 4] }],
  ['everything of 70000 elements (split: 17 slices on a GPU, 4 on a CPU adapter)', { inShape: [70000], axes: [0] }],
  [
    'the last two axes as one vec4 run: (1, 2) of [3, 64, 100] (workgroup per output, vec4 loads)',
    { inShape: [3, 64, 100], axes: [1, 2] },
  ],
  ['the last axis, contiguous but not a multiple of 4: axis 1 of [3, 5001]', { inShape: [3, 5001], axes: [1] }],
  [
    'the last axis of [3, 40000] (split into vec4 slices: 9 per output on a GPU, 2 on a CPU adapter)',
    { inShape: [3, 40000], axes: [1] },
  ],
];

// Sum tolerance: 1e-5 relative plus 5e-6 * sqrt(n) absolute, n the elements per output. Inputs lie in [-1, 1), so a sum
// is about sqrt(n / 3) in size and float32 partial sums drift by a few ulps of that per step. The test data's rounding
// errors do not cancel as random ones would (an LCG's low bits repeat with short periods, and one invocation adds values
// 64 apart): up to 2.2e-6 * sqrt(n) was seen, and a float32 simulation of the kernel's order on the CPU gives the same.
// A mean is that sum divided by n, so its absolute tolerance is divided by n too. Max and min pick an input unchanged, so
// they must match exactly.
function tolerance(op: ReduceOp, n: number): [number, number] {
  const sumAtol = 5e-6 * Math.sqrt(Math.max(n, 1));
  return op === 'sum' ? [1e-5, sumAtol] : op === 'mean' ? [1e-5, sumAtol / Math.max(n, 1)] : [0, 0];
}

describe('reduce kernel: WebGPU matches the float64 reference', () => {
  for (const [name, p] of cases) {
    const perOutput = numel(p.axes.map((a) => p.inShape[a]));
    for (const op of ['sum', 'mean', 'max', 'min'] as const) {
      it(`${op}: ${name}`, async () => {
        await compareBackends(
          `${op} ${name}`,
          [randomValues(numel(p.inShape), 7)],
          (b, [x]) => b.reduce(op, x, p),
          ...tolerance(op, perOutput),
        );
      });
    }
  }

  it('sum over an empty axis gives zeros', async () => {
    const p: ReduceParams = { inShape: [3, 0], axes: [1] };
    await compareBackends('sum over an empty axis', [new Float32Array(0)], (b, [x]) => b.reduce('sum', x, p), 0, 0);
  });

  it('mean over an empty axis gives NaN, like the reference (0 / 0)', async () => {
    const g = await webgpu();
    const x = g.upload(new Float32Array(0));
    const out = g.reduce('mean', x, { inShape: [3, 0], axes: [1] });
    expect(Array.from(await g.read(out))).toEqual([NaN, NaN, NaN]);
    for (const s of [x, out]) g.release(s);
  });

  it('a per-channel sum (the split on a GPU) is deterministic: two runs agree bit for bit', async () => {
    const g = await webgpu();
    const x = g.upload(randomValues(16 * 64 * 32 * 32, 9));
    const p: ReduceParams = { inShape: [16, 64, 32, 32], axes: [0, 2, 3] };
    const [first, second] = [g.reduce('sum', x, p), g.reduce('sum', x, p)];
    expect(Array.from(await g.read(first))).toEqual(Array.from(await g.read(second)));
    for (const s of [x, first, second]) g.release(s);
  });
});

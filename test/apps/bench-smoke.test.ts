// The benchmark's plumbing: its case list builds, and tiny versions of the cases whose layouts differ between the
// engines (convolutions, transposed convolution, batch norm with tfjs's gradients) run on both and agree.

import { describe, expect, it } from 'vitest';
import { allCases, batchNormCases, convCases, convTransposeCase } from '../../bench/cases.ts';
import { startEngines } from '../../bench/engines.ts';
import { CHECK_TOLERANCE, measure } from '../../bench/measure.ts';

describe('bench', () => {
  it('lists every case once, each with work to rate it by', () => {
    const cases = allCases();
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) expect(Object.values(c.work)[0]).toBeGreaterThan(0);
    expect(new Set(cases.map((c) => c.group))).toEqual(
      new Set(['conv', 'conv_transpose', 'matmul', 'batch_norm', 'reduce', 'elementwise', 'optimizer', 'dispatch']),
    );
  });

  it('runs tiny cases on both engines with the same results and no tensors left behind', async () => {
    const engines = await startEngines();
    // Odd sizes, so a wrong layout conversion cannot pass by symmetry.
    const tiny = { model: 'tiny', n: 2, cIn: 3, h: 7, cOut: 5, k: 3, stride: 2, pad: 1 };
    const cases = [
      ...convCases(tiny, 1),
      convTransposeCase({ ...tiny, k: 4 }, 2),
      ...batchNormCases('tiny', [3, 4, 5, 6], 3),
    ];
    for (const c of cases) {
      const m = await measure(c, engines, { warmup: 1, runs: 1 });
      expect(m.maxRelError, c.name).toBeLessThanOrEqual(CHECK_TOLERANCE);
      expect(m.leak, c.name).toBeUndefined();
      expect(m.oursMedian).toBeGreaterThan(0);
      expect(m.tfjsMedian).toBeGreaterThan(0);
    }
  });
});

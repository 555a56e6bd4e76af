// The benchmark's plumbing: its case list builds, tiny versions of the cases whose layouts differ between the engines
// (convolutions, transposed convolution, batch norm with tfjs's gradients) run on both and agree, and the step bench
// times and profiles a tiny training step, and its launcher runs programs one after another.

import { describe, expect, it } from 'vitest';
import { allCases, batchNormCases, convCases, convTransposeCase } from '../../bench/cases.ts';
import { startEngines } from '../../bench/engines.ts';
import { CHECK_TOLERANCE, measure } from '../../bench/measure.ts';
import { STEP_SIZES, measureSize } from '../../bench/step.ts';
import { TorchLauncher } from '../../bench/torch-step.ts';
import { init } from '../../src/index.ts';

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

describe('step bench', () => {
  it('times a tiny CAVGA-Du step and profiles every dispatch it counts', async () => {
    const gpu = await init();
    const size = { ...STEP_SIZES[0], name: 'tiny', imageSize: 16, width: 2, latentChannels: 2, batch: 2, steps: 1 };
    const row = await measureSize(gpu, size, { rounds: 1, steps: 2 }, null);
    expect(row.ours.ms).toHaveLength(2);
    expect(row.ours.median).toBeGreaterThan(0);
    expect(row.torch).toBeNull();
    // The profiled step runs the same ops as the counted one: the profiler sees every dispatch the counters saw.
    expect(row.profile.kernels.reduce((n, k) => n + k.dispatches, 0)).toBe(row.ours.dispatches);
    expect(row.profile.kernels.map((k) => k.name)).toEqual(expect.arrayContaining(['conv2d_gemm', 'adam']));
    expect(row.ours.submits).toBeGreaterThan(0);
  });
});

describe("PyTorch's launcher", () => {
  it('runs programs one at a time and reports their output and failures', async () => {
    const launcher = new TorchLauncher(process.execPath); // any program: node stands in for python
    const first = await launcher.run(['-e', 'console.log(6 * 7); console.error("note")']);
    expect(first).toEqual({ error: null, stdout: '42\n', stderr: 'note\n' });
    const failed = await launcher.run(['-e', 'process.exit(3)']);
    expect(failed.error).toMatch(/Command failed/);
    // Started by the launcher (a process created with the launcher), not by this process.
    const parent = Number((await launcher.run(['-e', 'console.log(process.ppid)'])).stdout);
    expect(parent).toBeGreaterThan(0);
    expect(parent).not.toBe(process.pid);
    // Runs in a row leave no listeners behind (Node warns once 11 of a kind pile up on the launcher).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    for (let k = 0; k < 12; k++) expect((await launcher.run(['-e', `console.log(${k})`])).stdout).toBe(`${k}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    launcher.close();
  });
});

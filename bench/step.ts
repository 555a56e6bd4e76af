// `npm run bench -- --step [--quick] [--filter NAME] [--no-torch]`: the whole CAVGA-Du training step (a discriminator
// update, then the encoder/decoder update whose attention-expansion loss is differentiated through Grad-CAM's alpha, two
// Adams) at three sizes, timed as `npm run train` runs it, alternating with PyTorch's CPU step when python3 can import
// torch; then one profiled step per size: device time per kernel, summed over the step. Prints the tables and writes
// them to bench/results/step-<date>.json.

import os from 'node:os';
import { formatAdapter, init, tensor } from '../src/index.ts';
import { Cavga, CavgaTrainer, presetConfig, shortTraining } from '../src/cavga/index.ts';
import type { TrainingData } from '../src/anomaly/batch.ts';
import { trainLoop } from '../src/anomaly/train-loop.ts';
import type { KernelProfile } from '../src/kernels/runtime.ts';
import type { WebGPUBackend } from '../src/kernels/webgpu-backend.ts';
import { Generator } from '../src/tensor/creation.ts';
import { lcgValues } from '../src/tensor/lcg.ts';
import { describeMachine, machineText } from './machine.ts';
import { median } from './measure.ts';
import { writeRecord } from './record.ts';
import { findTorch, TorchLauncher, torchStepTimes, type TorchTimes } from './torch-step.ts';

export interface StepSize {
  name: string;
  label: string;
  imageSize: number;
  width: number;
  latentChannels: number;
  batch: number;
  /** Timed steps per round in full mode; a quarter to a half in quick mode. */
  steps: number;
}

/** The issue's three sizes: cavga train's default model, the paper's widths, and the default at 32x32. */
export const STEP_SIZES: StepSize[] = [
  {
    name: 'default',
    label: 'default: 64x64x3, width 16, C_z 32',
    imageSize: 64,
    width: 16,
    latentChannels: 32,
    batch: 16,
    steps: 6,
  },
  {
    name: 'paper',
    label: "the paper's size: 64x64x3, width 64, C_z 64",
    imageSize: 64,
    width: 64,
    latentChannels: 64,
    batch: 16,
    steps: 2,
  },
  {
    name: 'small',
    label: '32x32x3, width 16, C_z 32',
    imageSize: 32,
    width: 16,
    latentChannels: 32,
    batch: 16,
    steps: 8,
  },
];

export interface StepOptions {
  quick: boolean;
  filter: string | null;
  torch: boolean;
}

/** Untimed steps before the first timed one, per engine and process: ours compiles its pipelines in the first. */
const WARMUP = 2;
const TORCH_THREADS = 2;

interface Side {
  ms: number[];
  median: number;
}

export interface StepRow {
  size: StepSize;
  ours: Side & { imagesPerSecond: number; dispatches: number; submits: number };
  torch: (Side & { version: string; threads: number }) | null;
  /** ours / PyTorch, of the medians: the issue's target is at most 2, the goal 1. */
  ratio: number | null;
  profile: KernelProfile & { wallMs: number };
}

/** Seeded images in [-1, 1] (a few batches' worth, so batches differ as in training). */
function trainingData(size: StepSize): TrainingData {
  const perImage = 3 * size.imageSize * size.imageSize;
  const count = 4 * size.batch;
  const values = Float32Array.from(lcgValues(count * perImage, 11));
  return {
    count,
    batch: (indices) => {
      const images = new Float32Array(indices.length * perImage);
      indices.forEach((i, k) => images.set(values.subarray(i * perImage, (i + 1) * perImage), k * perImage));
      return { images: tensor(images, [indices.length, 3, size.imageSize, size.imageSize]) };
    },
  };
}

/** Runs `steps` training steps as `npm run train` does (one readback of the losses per step); ms per step. */
async function runSteps(trainer: CavgaTrainer, data: TrainingData, size: StepSize, steps: number): Promise<number[]> {
  const ms: number[] = [];
  let last = performance.now();
  await trainLoop({
    trainer,
    data,
    batchSize: size.batch,
    steps,
    seed: 0,
    checkpointEvery: steps,
    saveCheckpoint: async () => {},
    onStep: () => {
      const now = performance.now();
      ms.push(now - last);
      last = now;
    },
  });
  return ms;
}

/** Timed rounds, alternating engines, and timed steps per round and engine. */
export interface StepPlan {
  rounds: number;
  steps: number;
}

export const stepPlan = (size: StepSize, quick: boolean): StepPlan =>
  quick ? { rounds: 2, steps: Math.max(1, Math.floor(size.steps / 3)) } : { rounds: 3, steps: size.steps };

/** Times one size (PyTorch too when a `launcher` is given), then profiles one step. */
export async function measureSize(
  gpu: WebGPUBackend,
  size: StepSize,
  { rounds, steps }: StepPlan,
  launcher: TorchLauncher | null,
): Promise<StepRow> {
  // The issue's step, with the discriminator (w_adv 0.001, as bench/torch_cavga.py runs it), pinned here so that a
  // change of cavga train's defaults (v2's drop the discriminator) does not change what the two sides time.
  const config = presetConfig('cavga-du', {
    ...shortTraining,
    adversarialLoss: true,
    weights: { ...shortTraining.weights, adversarial: 0.001 },
    imageSize: size.imageSize,
    width: size.width,
    latentChannels: size.latentChannels,
  });
  const trainer = new CavgaTrainer(new Cavga(config, new Generator(0)), 1);
  const data = trainingData(size);
  await runSteps(trainer, data, size, WARMUP);

  const before = { dispatches: gpu.rt.dispatches, submits: gpu.rt.submits };
  await runSteps(trainer, data, size, 1);
  const perStep = { dispatches: gpu.rt.dispatches - before.dispatches, submits: gpu.rt.submits - before.submits };

  const ours: number[] = [];
  const torch: TorchTimes[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which engine goes first, so neither always runs on a machine the other just warmed or loaded.
    const order = round % 2 === 0 ? ['ours', 'torch'] : ['torch', 'ours'];
    for (const engine of order) {
      if (engine === 'ours') ours.push(...(await runSteps(trainer, data, size, steps)));
      else if (launcher) torch.push(await torchStepTimes(launcher, size, steps, WARMUP, TORCH_THREADS));
    }
    console.error(
      `  ${size.name} round ${round + 1}/${rounds}: ours ${median(ours).toFixed(0)} ms${torch.length ? `, PyTorch ${median(torch.flatMap((t) => t.ms)).toFixed(0)} ms` : ''}`,
    );
  }

  const start = performance.now();
  gpu.rt.startProfiling();
  await runSteps(trainer, data, size, 1);
  const profile = { ...(await gpu.rt.stopProfiling()), wallMs: performance.now() - start };

  const oursMedian = median(ours);
  const torchMs = torch.flatMap((t) => t.ms);
  return {
    size,
    ours: { ms: ours, median: oursMedian, imagesPerSecond: (size.batch * 1000) / oursMedian, ...perStep },
    torch: torch.length
      ? { ms: torchMs, median: median(torchMs), version: torch[0].torch, threads: torch[0].threads }
      : null,
    ratio: torch.length ? oursMedian / median(torchMs) : null,
    profile,
  };
}

const fixed = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);

/** A Markdown table with the given columns right-aligned. */
export function markdownTable(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) =>
    `| ${c.map((s, i) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function stepTable(rows: StepRow[]): string {
  return markdownTable(
    ['model (batch 16)', 'ours ms', 'images/s', 'dispatches', 'submits', 'PyTorch ms', 'ours / PyTorch'],
    rows.map((r) => [
      r.size.label,
      fixed(r.ours.median),
      r.ours.imagesPerSecond.toFixed(1),
      String(r.ours.dispatches),
      String(r.ours.submits),
      r.torch ? fixed(r.torch.median) : '-',
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    ]),
    [false, true, true, true, true, true, true],
  );
}

/** The kernels that take the most device time, then one line for the rest. */
export function profileTable(p: StepRow['profile'], top = 20): string {
  const total = p.kernels.reduce((s, k) => s + k.ms, 0);
  const shown = p.kernels.slice(0, top);
  const rest = p.kernels.slice(top);
  const row = (name: string, dispatches: number, ms: number) => [
    name,
    String(dispatches),
    fixed(ms),
    `${((100 * ms) / total).toFixed(1)}%`,
    (ms / dispatches).toFixed(3),
  ];
  const rows = shown.map((k) => row(k.name, k.dispatches, k.ms));
  if (rest.length)
    rows.push(
      row(
        `${rest.length} other kernels`,
        rest.reduce((s, k) => s + k.dispatches, 0),
        rest.reduce((s, k) => s + k.ms, 0),
      ),
    );
  const dispatches = p.kernels.reduce((s, k) => s + k.dispatches, 0);
  rows.push(row('all kernels', dispatches, total));
  return markdownTable(['kernel', 'dispatches', 'ms', 'share', 'ms/dispatch'], rows, [false, true, true, true, true]);
}

/** The sizes whose name contains `filter` (all without one). */
export const stepSizesNamed = (filter: string | null): StepSize[] =>
  STEP_SIZES.filter((s) => !filter || s.name.includes(filter));

export async function runStepBench(options: StepOptions): Promise<void> {
  const sizes = stepSizesNamed(options.filter);
  if (!sizes.length)
    throw new Error(`no step size is named like '${options.filter}' (${STEP_SIZES.map((s) => s.name).join(', ')})`);
  const found = options.torch ? findTorch() : { missing: 'skipped (--no-torch)' };
  const launcher = 'python' in found ? new TorchLauncher(found.python) : null; // before init() lowers this process
  const torchMissing = 'missing' in found ? found.missing : null;
  // Unquantised timestamps: Dawn rounds them to 2^16 ns by default, coarser than many of the step's kernels.
  const gpu = await init({ dawnOptions: ['disable-dawn-features=timestamp_quantization'], lowerHostPriority: true });
  const machine = describeMachine();
  const loadBefore = os.loadavg()[0];
  console.error(`step benchmark, ${sizes.length} sizes; ${machineText(machine)}`);
  if (torchMissing) console.error(`PyTorch's side does not run: ${torchMissing}`);
  const started = performance.now();
  const rows: StepRow[] = [];
  for (const size of sizes) rows.push(await measureSize(gpu, size, stepPlan(size, options.quick), launcher));
  launcher?.close();
  const seconds = (performance.now() - started) / 1000;
  const load = { before: loadBefore, after: os.loadavg()[0], cpus: os.cpus().length };

  const torchText = rows[0].torch
    ? `PyTorch ${rows[0].torch.version} on the CPU, ${rows[0].torch.threads} threads, alternating with ours`
    : `no PyTorch figures: ${torchMissing}`;
  console.log(
    `\nCAVGA-Du training step, ${formatAdapter(gpu.rt.info)}; ${machineText(machine)}; median ms per step, ${options.quick ? 'quick' : 'full'} mode; ${torchText}; ${seconds.toFixed(0)} s, load average ${load.before.toFixed(1)} -> ${load.after.toFixed(1)}\n`,
  );
  console.log(stepTable(rows));
  for (const r of rows) {
    const kernelMs = r.profile.kernels.reduce((s, k) => s + k.ms, 0);
    console.log(
      `\nWhere the time goes, ${r.size.label}: one profiled step (${r.profile.source === 'timestamps' ? 'timestamp queries' : 'each dispatch replayed and synced'}), ${fixed(r.profile.wallMs)} ms wall, ${fixed(kernelMs)} ms in kernels\n`,
    );
    console.log(profileTable(r.profile));
  }
  const file = writeRecord('step-', {
    mode: options.quick ? 'quick' : 'full',
    seconds,
    adapter: gpu.rt.info,
    machine,
    node: process.version,
    load,
    torchMissing,
    rows,
  });
  console.log(`\nwritten: ${file}`);
}

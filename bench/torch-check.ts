// `npx tsx bench/torch-check.ts [--checkpoint FILE] [--steps K] [--keep]`: proves that bench/torch_cavga.py computes
// what our engine computes, so that the step benchmark times the same work on both sides and a run can continue in
// PyTorch. Without --checkpoint it trains `cavga train`'s default model for 50 steps on the built-in data (in a temporary
// folder, kept with --keep) and calibrates it. From the checkpoint it writes, for the Python side:
//   check:      test images and our reconstruction, Grad-CAM attention, scores and maps (eval mode, as analyze());
//   step-check: K training batches, the reparameterisation noise each step draws, our loss terms, and our checkpoint
//               after every step (model, both Adams' moments and step counts, the noise generator).
// Python loads our checkpoints (optimiser state included) and compares; bench/NOTES.md ("The PyTorch yardstick") explains
// the limits. Its state after running all K steps on comes back as one of our checkpoints, which our own loader must
// accept with the step count and noise generator state ours has.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyze,
  builtinTrainingData,
  calibrate,
  Generator,
  init,
  loadSafetensors,
  modelFromCheckpoint,
  newTrainer,
  preprocess,
  presetConfig,
  randn,
  saveCheckpoint,
  saveSafetensors,
  shortTraining,
  stackImages,
  syntheticDefect,
  syntheticGood,
  tensor,
  trainingState,
  trainLoop,
  type CavgaConfig,
  type SavedConfig,
  type Tensor,
  type TrainingData,
} from '../src/index.ts';
import { findTorchPython, torchScript } from './torch-python.ts';

const USAGE = 'usage: npx tsx bench/torch-check.ts [--checkpoint FILE] [--steps K] [--keep]';
const CATEGORY = 'weave';
const BATCH = 16;
/** Steps of the model trained when no checkpoint is given: in eval mode, Grad-CAM attention appears after about 40. */
const TRAINING_STEPS = 50;

function parseArgs(argv: string[]): { checkpoint: string | null; steps: number; keep: boolean } {
  let checkpoint: string | null = null;
  let steps = 2;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--checkpoint' && i + 1 < argv.length) checkpoint = argv[++i];
    else if (argv[i] === '--keep') keep = true;
    else if (argv[i] === '--steps' && /^[1-9]\d*$/.test(argv[i + 1] ?? '')) steps = Number(argv[++i]);
    else throw new Error(`unknown or incomplete argument '${argv[i]}'\n${USAGE}`);
  }
  return { checkpoint, steps, keep };
}

/** The built-in training images at the model's size, as the training loop sees them. */
const trainingImages = (config: CavgaConfig, seed: number): TrainingData =>
  builtinTrainingData(config, { category: CATEGORY, count: 4 * BATCH, seed });

/** `cavga train`'s default model, trained `steps` steps and calibrated, saved at `path`. */
async function trainDefaultModel(path: string, steps: number): Promise<void> {
  const saved: SavedConfig = { cavga: presetConfig('cavga-du', shortTraining), seed: 0 };
  const trainer = newTrainer(saved);
  const data = trainingImages(saved.cavga, saved.seed);
  const save = (step: number) => saveCheckpoint(path, { ...trainingState(trainer), step, config: saved });
  const end = await trainLoop({
    trainer,
    data,
    batchSize: BATCH,
    steps,
    seed: 0,
    checkpointEvery: steps,
    saveCheckpoint: save,
  });
  if (end.reason !== 'done') throw new Error(`training the model to compare stopped: ${end.reason}`);
  const batches = [0, 1].map((b) => data.batch(Array.from({ length: BATCH }, (_, i) => b * BATCH + i)).images);
  await calibrate(trainer.model, batches);
  await save(steps);
  console.log(
    `trained ${saved.cavga.imageSize}x${saved.cavga.imageSize} CAVGA-Du (width ${saved.cavga.width}, C_z ${saved.cavga.latentChannels}) for ${steps} steps and calibrated it: ${path}`,
  );
}

/** Four normal and four defective built-in test images. */
function testImages(config: CavgaConfig): Tensor {
  const p = { size: config.imageSize, channels: config.channels, convertChannels: true };
  const s = config.imageSize;
  const items = [0, 1, 2, 3].flatMap((i) => [
    preprocess(syntheticGood(0, CATEGORY, 'test', i, s), `good ${i}`, p),
    preprocess(syntheticDefect(0, CATEGORY, i, s).image, `defect ${i}`, p),
  ]);
  const { data, shape } = stackImages(items, config.channels, s);
  return tensor(data, shape);
}

function runPython(python: string, args: string[]): boolean {
  console.log(`\n$ ${python} bench/torch_cavga.py ${args.join(' ')}`);
  return spawnSync(python, [torchScript, ...args], { stdio: 'inherit' }).status === 0;
}

/** Largest |a - b| over the tensors both records hold. */
async function maxDifference(a: Record<string, Tensor>, b: Record<string, Tensor>): Promise<number> {
  let worst = 0;
  for (const [name, t] of Object.entries(a)) {
    const [x, y] = [await t.data(), await b[name].data()];
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
  return worst;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const found = findTorchPython();
  if ('reason' in found) throw new Error(`torch-check: ${found.reason}`);
  console.log(`PyTorch ${found.version} (${found.python})`);
  await init();
  const dir = mkdtempSync(join(tmpdir(), 'torch-check-'));
  try {
    const before = args.checkpoint ?? join(dir, 'trained.safetensors');
    if (!args.checkpoint) await trainDefaultModel(before, TRAINING_STEPS);
    const { trainer, saved, step } = modelFromCheckpoint(await loadSafetensors(before), before);
    const model = trainer.model;
    const config = model.config;
    const reference: Record<string, Tensor> = {};

    // Eval mode, as `cavga eval`: standardised scoring only where the model has been calibrated (Python decides alike).
    const images = testImages(config);
    const a = analyze(model, images, { ...config, standardize: config.standardize && model.calibration.calibrated });
    if (!a.attention) throw new Error(`${before}: the model has no Grad-CAM attention to compare`);
    Object.assign(reference, {
      'check.images': images,
      'check.reconstruction': a.reconstruction,
      'check.attention': a.attention,
      'check.score': a.score,
      'check.map': a.map,
    });

    // K training steps, with the noise each one draws (the trainer's generator is counter-based, so a copy of its state
    // draws the same values) and our state before each step and after the last.
    const data = trainingImages(config, saved.seed);
    const states = [before];
    for (let k = 0; k < args.steps; k++) {
      const batch = data.batch(Array.from({ length: BATCH }, (_, i) => (k * BATCH + i) % (4 * BATCH)));
      const noise = new Generator();
      noise.setState(trainer.noise.getState());
      reference[`step.${k}.images`] = batch.images;
      reference[`step.${k}.eps`] = randn(trainer.noiseShape(BATCH), { generator: noise });
      for (const [name, t] of Object.entries(trainer.step(batch))) reference[`step.${k}.loss.${name}`] = t;
      states.push(join(dir, `state-${k + 1}.safetensors`));
      await saveCheckpoint(states[k + 1], { ...trainingState(trainer), step: step + k + 1, config: saved });
    }
    const referencePath = join(dir, 'reference.safetensors');
    await saveSafetensors(referencePath, reference);

    const fromTorch = join(dir, 'torch-after.safetensors');
    const checked = runPython(found.python, ['check', '--checkpoint', before, '--reference', referencePath]);
    const stepped = runPython(found.python, [
      'step-check',
      ...['--states', ...states, '--reference', referencePath, '--save', fromTorch],
    ]);
    // The other direction: PyTorch's state after running on loads into our engine through our own checkpoint loader,
    // with the step count and noise generator state our trainer has after the same steps.
    let loaded = false;
    if (stepped) {
      const back = modelFromCheckpoint(await loadSafetensors(fromTorch), fromTorch);
      const diff = await maxDifference(model.stateDict(), back.model.stateDict());
      const noise = JSON.stringify(back.trainer.noise.getState()) === JSON.stringify(trainer.noise.getState());
      loaded = back.step === step + args.steps && noise;
      console.log(
        `\nPyTorch's checkpoint loads into our engine: step ${back.step}, noise generator ${noise ? 'as ours' : 'NOT as ours'}, weights within ${diff.toExponential(1)} of ours`,
      );
    }
    console.log(checked && stepped && loaded ? '\ntorch-check: passed' : '\ntorch-check: FAILED');
    return checked && stepped && loaded ? 0 : 1;
  } finally {
    if (args.keep) console.log(`files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// Dawn's instances keep Node alive, so the program exits explicitly.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

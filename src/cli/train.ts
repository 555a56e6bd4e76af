// `cavga train`: trains one model per category, checkpointing as it goes, then evaluates and writes the run folder
// (checkpoints, config, per-step metrics, pictures, metrics tables and one HTML report).

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '../tensor/creation.ts';
import { modelPresets, presetConfig, shortTraining, type CavgaConfig, type GradCamScore } from '../cavga/config.ts';
import { loadSplit, DataError } from '../cavga/data/index.ts';
import { trainLoop } from '../cavga/train-loop.ts';
import { formatMetric, ProgressBar } from '../cavga/report/index.ts';
import { helpText, parseOptions, UsageError, type OptionTable, type Parsed } from './args.ts';
import { DATASETS, loadCategories, type DatasetKind } from './data-source.ts';
import { calibrateOn, evaluateModel, scoringOf, scoringOptions, type CategoryEvaluation } from './evaluate.ts';
import { newTrainer, type SavedConfig } from '../cavga/saved-model.ts';
import { resumeTraining, saveTraining } from './model-files.ts';
import { writeReport } from './report-files.ts';

export const trainOptions: OptionTable = {
  model: { type: 'string', choices: Object.keys(modelPresets), default: 'cavga-du', help: 'model' },
  dataset: { type: 'string', choices: DATASETS, default: 'builtin', help: 'data source' },
  data: { type: 'string', help: 'dataset folder (built-in: its cache folder)' },
  categories: {
    type: 'string',
    help: 'categories (MVTec, built-in) or normal classes (MNIST, CIFAR-10), comma separated',
  },
  'image-size': { type: 'integer', default: 64, min: 16, help: 'image side (a multiple of 16)' },
  channels: { type: 'integer', default: 3, min: 1, help: 'image channels, 1 or 3' },
  width: {
    type: 'integer',
    default: shortTraining.width,
    min: 1,
    help: 'base width of the DC-GAN networks (the paper: 64)',
  },
  'latent-channels': {
    type: 'integer',
    default: shortTraining.latentChannels,
    min: 1,
    help: 'channels of the latent map (the paper: 64)',
  },
  'batch-size': { type: 'integer', default: 16, min: 1, help: 'images per step' },
  steps: { type: 'integer', default: 200, min: 1, help: 'training steps per category' },
  epochs: { type: 'number', min: 0, help: 'train for this many epochs instead of --steps' },
  lr: { type: 'number', default: shortTraining.lr, min: 0, help: 'learning rate of both Adams (the paper: 2e-4)' },
  'w-recon': { type: 'number', min: 0, help: 'weight of the VAE loss' },
  'w-kl': {
    type: 'number',
    default: shortTraining.weights.kl,
    min: 0,
    help: 'weight of the KL term inside the VAE loss (the paper: 1)',
  },
  'w-adv': {
    type: 'number',
    default: shortTraining.weights.adversarial,
    min: 0,
    help: 'weight of the adversarial loss (the paper: 1)',
  },
  'w-ae': { type: 'number', min: 0, help: "weight of the attention expansion loss (default: the paper's 0.01)" },
  'gradcam-score': {
    type: 'string',
    choices: ['squared-norm', 'sum'],
    default: shortTraining.gradCamScore,
    help: 'Grad-CAM score y: ||mu||^2/2, or sum(mu) as the spec (unsupervised)',
  },
  'logvar-bias': {
    type: 'number',
    default: shortTraining.logvarBias,
    help: 'initial bias of the logvar head (0: the posterior starts at std 1)',
  },
  ...scoringOptions(
    (key) =>
      `(default: ${yesNo(shortTraining[key])}${key === 'anomalyMap' ? "; the baselines: their papers' maps" : key === 'imageScore' ? '; the baselines: mean-error' : ''})`,
  ),
  'w-cls': { type: 'number', min: 0, help: 'weight of the classification loss (weakly supervised)' },
  'w-cga': { type: 'number', min: 0, help: 'weight of the complementary guided attention loss (weakly supervised)' },
  'max-train': { type: 'integer', min: 1, help: 'at most this many training images (MNIST, CIFAR-10)' },
  'max-test': { type: 'integer', min: 1, help: 'at most this many test images (MNIST, CIFAR-10)' },
  seed: { type: 'integer', default: 0, min: 0, help: 'seed of weights, noise and batch order' },
  'data-seed': { type: 'integer', default: 0, min: 0, help: 'built-in dataset: seed of its images (another copy)' },
  out: { type: 'string', help: 'run folder (default runs/<model>-<dataset>)' },
  'checkpoint-every': { type: 'integer', default: 50, min: 1, help: 'steps between checkpoints' },
  resume: { type: 'boolean', help: 'continue the run in --out from its checkpoints' },
};

function yesNo(value: unknown): unknown {
  return value === true ? 'yes' : value === false ? 'no' : value;
}

export const trainSummary =
  'Trains CAVGA (or a baseline) on each category, then evaluates it. With no options: the built-in dataset and a small CAVGA-Du.';

function cavgaOf(v: Parsed): CavgaConfig {
  const channels = v.channels as number;
  if (channels !== 1 && channels !== 3) throw new UsageError(`cavga train: --channels must be 1 or 3, got ${channels}`);
  const base = presetConfig(v.model as string);
  const weights = { ...base.weights };
  const set = (key: keyof typeof weights, option: string) => {
    if (v[option] !== undefined) weights[key] = v[option] as number;
  };
  set('reconstruction', 'w-recon');
  set('kl', 'w-kl');
  set('adversarial', 'w-adv');
  set('attentionExpansion', 'w-ae');
  set('classification', 'w-cls');
  set('guidedAttention', 'w-cga');
  try {
    return presetConfig(v.model as string, {
      imageSize: v['image-size'] as number,
      channels,
      width: v.width as number,
      latentChannels: v['latent-channels'] as number,
      weights,
      lr: v.lr as number,
      gradCamScore: v['gradcam-score'] as GradCamScore,
      logvarBias: v['logvar-bias'] as number,
      // The baselines keep the maps and scores of their papers.
      ...scoringOf(v, (v.model as string).startsWith('cavga') ? shortTraining : base),
    });
  } catch (e) {
    throw new UsageError(`cavga train: ${(e as Error).message}`);
  }
}

/** Stops the loop at the next step on Ctrl-C or SIGTERM (a checkpoint is saved); a second signal exits at once. */
function stopSignals(log: (s: string) => void): { requested: () => boolean; release: () => void } {
  let requested = false;
  const handler = (signal: string) => {
    if (requested) process.exit(130);
    requested = true;
    log(`\n${signal}: saving a checkpoint and stopping (press again to quit at once)`);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return { requested: () => requested, release: () => (process.off('SIGINT', onInt), process.off('SIGTERM', onTerm)) };
}

export async function train(argv: string[]): Promise<number> {
  const { values: v, help } = parseOptions('train', argv, trainOptions);
  if (help) {
    console.log(helpText('train', trainSummary, trainOptions));
    return 0;
  }
  const cavga = cavgaOf(v);
  const dataset = v.dataset as DatasetKind;
  const saved: SavedConfig = { cavga, seed: v.seed as number };
  const out = (v.out as string | undefined) ?? join('runs', `${v.model}-${dataset}`);
  const log = (line: string) => console.log(line);

  // Refuse to mix runs: a folder with checkpoints is only continued with --resume and the same settings.
  const configPath = join(out, 'config.json');
  const runConfig = {
    ...saved,
    dataset,
    data: v.data ?? null,
    dataSeed: v['data-seed'],
    categories: v.categories ?? null,
    batchSize: v['batch-size'],
    steps: v.steps,
    epochs: v.epochs ?? null,
  };
  if (existsSync(configPath)) {
    if (!v.resume)
      throw new UsageError(
        `cavga train: ${out} already holds a run; pass --resume to continue it or --out for a new folder`,
      );
    const previous = readFileSync(configPath, 'utf8');
    if (previous !== JSON.stringify(runConfig, null, 2))
      throw new UsageError(
        `cavga train: ${configPath} was written with other settings; --resume needs the same options`,
      );
  } else if (v.resume) {
    throw new UsageError(`cavga train: nothing to resume in ${out} (no config.json)`);
  }

  const { init } = await import('../tensor/context.ts');
  const gpu = await init();
  log(`adapter: ${gpu.rt.info.description || gpu.rt.info.vendor}`);
  const categories = loadCategories({
    dataset,
    path: v.data as string | undefined,
    categories: v.categories as string | undefined,
    imageSize: cavga.imageSize,
    channels: cavga.channels,
    seed: saved.seed,
    dataSeed: v['data-seed'] as number,
    weaklySupervised: cavga.supervision === 'weakly',
    maxTrain: v['max-train'] as number | undefined,
    maxTest: v['max-test'] as number | undefined,
    log,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(configPath, JSON.stringify(runConfig, null, 2));

  const signals = stopSignals(log);
  const evaluations: CategoryEvaluation[] = [];
  const started = Date.now();
  try {
    for (const category of categories) {
      const dir = join(out, category.name);
      mkdirSync(dir, { recursive: true });
      const { train: trainSet, test } = loadSplit(
        category.split,
        { size: cavga.imageSize, channels: cavga.channels },
        category.name,
      );
      const batchSize = v['batch-size'] as number;
      const steps =
        v.epochs !== undefined
          ? Math.max(1, Math.ceil(((v.epochs as number) * trainSet.count) / batchSize))
          : (v.steps as number);
      const trainer = newTrainer(saved);
      const checkpoint = join(dir, 'checkpoint.safetensors');
      const metricsLog = join(dir, 'metrics.jsonl');
      const start = v.resume && existsSync(checkpoint) ? await resumeTraining(checkpoint, trainer) : 0;
      if (start === 0) writeFileSync(metricsLog, '');
      else keepLogUpTo(metricsLog, start);
      const weak = cavga.supervision === 'weakly';
      const progress = new ProgressBar({ total: steps, start, label: category.name });
      const end = await trainLoop({
        trainer,
        batchSize,
        steps,
        seed: saved.seed,
        startStep: start,
        checkpointEvery: v['checkpoint-every'] as number,
        data: {
          count: trainSet.count,
          batch: (indices) => {
            const b = trainSet.batch(indices);
            return {
              images: tensor(b.images, b.shape),
              labels: weak ? tensor(b.labels, [b.labels.length]) : undefined,
            };
          },
        },
        saveCheckpoint: (step) => saveTraining(checkpoint, trainer, saved, step),
        onStep: (step, losses) => {
          appendFileSync(metricsLog, `${JSON.stringify({ step: step + 1, ...losses })}\n`);
          progress.update(step + 1, pick(losses, ['total', 'reconstruction', 'discriminator']));
        },
        stopRequested: signals.requested,
      });
      progress.finish();
      if (end.reason === 'interrupted') {
        log(
          `stopped at step ${end.step} of ${category.name}; checkpoint saved. Continue with: cavga train --resume --out ${out} (and the same options)`,
        );
        return 0;
      }
      if (end.reason === 'non-finite') {
        throw new DataError(
          `${category.name}: the ${end.term} loss became non-finite at step ${end.step + 1}; stopped. The last good checkpoint (step ${end.lastCheckpoint}) is ${checkpoint}; try a lower --lr`,
        );
      }
      if (cavga.standardize) {
        const used = await calibrateOn(trainer.model, trainSet, cavga);
        await saveTraining(checkpoint, trainer, saved, end.step);
        log(`${category.name}: scoring calibrated on ${used} normal training images`);
      }
      const evaluation = await evaluateModel(trainer.model, test, category.name);
      writeFileSync(join(dir, 'samples.png'), evaluation.grid);
      evaluations.push(evaluation);
      const m = evaluation.metrics;
      log(
        `${category.name}: image AUROC ${formatMetric(m.imageAuroc)}, pixel AUROC ${formatMetric(m.pixelAuroc)}, IoU ${formatMetric(m.iou)}`,
      );
    }
  } finally {
    signals.release();
  }
  const markdown = writeReport(
    out,
    `CAVGA run: ${v.model} on ${dataset}`,
    runConfig,
    evaluations,
    categories.map((c) => c.name),
  );
  log(
    `\n${markdown}\ntrained and evaluated in ${((Date.now() - started) / 1000).toFixed(0)} s; report: ${join(out, 'report.html')}`,
  );
  return 0;
}

function pick(values: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => k in values).map((k) => [k, values[k]]));
}

/** On resume, drops logged steps past the checkpoint (they are trained again). */
function keepLogUpTo(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line && JSON.parse(line).step <= step);
  writeFileSync(path, kept.map((l) => `${l}\n`).join(''));
}

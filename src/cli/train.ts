// `cavga train`: trains one model per category, checkpointing as it goes, then evaluates it on the test split (or the
// validation split, while settings are chosen) beside the per-pixel Gaussian and PCA baselines fitted on the same
// training images, and writes the run folder (checkpoints, config, per-step metrics, pictures, metrics tables and one
// HTML report). Everything is checked before the first step: the options, the whole dataset
// (anomaly/data/preflight.ts) and, on --resume, the run folder's records.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainingData, type TrainingData } from '../anomaly/batch.ts';
import type { Detector, DetectorKind, DetectorSpec, OnePassDetector, StepDetector } from '../anomaly/detector.ts';
import { loadSplit, DataError } from '../anomaly/data/index.ts';
import { DatasetProblems, requireVariedImages } from '../anomaly/data/preflight.ts';
import { trainLoop, type LoopEnd } from '../anomaly/train-loop.ts';
import { formatMetric, formatValue, ProgressBar } from '../anomaly/report/index.ts';
import { calibrateOn, evaluateDetector, fitAndEvaluate, type CategoryEvaluation } from '../anomaly/evaluate.ts';
import type { BaselineMetrics, CategoryMetrics } from '../anomaly/report/metrics.ts';
import type { Dataset } from '../anomaly/data/dataset.ts';
import { BASELINES, createDetector, DETECTORS, detectorKind, everySetting } from '../detectors.ts';
import { DATASET_PRESETS, PRESETS } from '../cavga/settings.ts';
import { helpText, parseOptions, refuseInapplicable, UsageError, type OptionTable, type Parsed } from './args.ts';
import {
  DATASETS,
  datasetWhyNot,
  loadCategories,
  trainedOn,
  type Category,
  type DataOptions,
  type DatasetKind,
} from './data-source.ts';
import { resumeDetector, saveDetector } from './model-files.ts';
import { appendOutput, checkOutputFolder, makeFolder, writeOutput } from './output-files.ts';
import { picturesPng, writeReport } from './report-files.ts';
import {
  CHECKPOINT,
  keepRunValues,
  METRICS_LOG,
  metricsText,
  readRunConfig,
  resumeChanges,
  resumedConfig,
  resumePoints,
  type MetricsRecord,
  type RunConfig,
} from './run-folder.ts';

const common: OptionTable = {
  model: { type: 'string', choices: Object.keys(DETECTORS), default: 'cavga-du', help: 'model' },
  dataset: { type: 'string', choices: DATASETS, default: 'builtin', help: 'data source' },
  data: { type: 'string', help: 'dataset folder (built-in: its cache folder)' },
  categories: {
    type: 'string',
    help: 'categories (MVTec, built-in) or normal classes (MNIST, CIFAR-10), comma separated',
  },
  'image-size': { type: 'integer', default: 64, min: 16, help: 'image side (a multiple of 16)' },
  channels: { type: 'integer', default: 3, min: 1, help: 'image channels, 1 or 3' },
  preset: {
    type: 'string',
    choices: [...Object.keys(PRESETS), 'none'],
    help: `settings for a kind of data, filling the options not given: ${Object.entries(PRESETS)
      .map(([name, p]) => `${name} (${p.help})`)
      .join(', ')}; default ${Object.entries(DATASET_PRESETS)
      .map(([dataset, preset]) => `${preset} for --dataset ${dataset}`)
      .join(', ')}, none otherwise`,
  },
  'convert-channels': {
    type: 'boolean',
    help: 'convert images of the other channel count: gray to RGB by repetition, RGB to gray by luminance',
  },
};
/** The options of models trained by steps. */
const stepOptions: OptionTable = {
  'batch-size': { type: 'integer', default: 16, min: 1, help: 'images per step' },
  steps: { type: 'integer', default: 100, min: 1, help: 'training steps per category' },
  epochs: { type: 'number', min: 0, help: 'train for this many epochs instead of --steps' },
  'checkpoint-every': { type: 'integer', default: 50, min: 1, help: 'steps between checkpoints' },
};
const run: OptionTable = {
  'max-train': { type: 'integer', min: 1, help: 'at most this many normal training images (MNIST, CIFAR-10)' },
  'max-test': { type: 'integer', min: 1, help: 'at most this many validation and test images each (MNIST, CIFAR-10)' },
  seed: { type: 'integer', default: 0, min: 0, help: 'seed of weights, noise and batch order' },
  'data-seed': {
    type: 'integer',
    default: 0,
    min: 0,
    help: 'seed of the train / validation / test split and of the built-in images (another copy)',
  },
  split: {
    type: 'string',
    choices: ['test', 'validation'],
    default: 'test',
    help: 'what the report scores: the validation set while choosing settings, the test set once they are chosen',
  },
  baselines: {
    type: 'string',
    choices: ['true', 'false'],
    default: 'true',
    help: `fit and score the baselines (${BASELINES.join(', ')}) beside the model on the same images`,
  },
  out: { type: 'string', help: 'run folder (default runs/<model>-<dataset>)' },
  resume: {
    type: 'boolean',
    help: 'continue the run in --out from its checkpoints (same options; --lr, --steps, --epochs may change)',
  },
};
// Then every model's own settings: the chosen model must take the ones given.
export const trainOptions: OptionTable = { ...common, ...stepOptions, ...everySetting((k) => k.settings), ...run };

export const trainSummary =
  'Trains CAVGA (or a baseline) on each category, then evaluates it. With no options: the built-in dataset and a small CAVGA-Du.';

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

/** The chosen model's spec from the options; a value it does not take is a usage error naming it. */
function specOf(kind: DetectorKind, v: Parsed): DetectorSpec {
  const channels = v.channels as number;
  if (channels !== 1 && channels !== 3) throw new UsageError(`cavga train: --channels must be 1 or 3, got ${channels}`);
  try {
    return kind.configure({ imageSize: v['image-size'] as number, channels, seed: v.seed as number }, v);
  } catch (e) {
    throw new UsageError(`cavga train: ${(e as Error).message}`);
  }
}

interface StepRun {
  detector: StepDetector;
  data: TrainingData;
  v: Parsed;
  seed: number;
  steps: number;
  /** The step its checkpoint was saved at when resuming, else 0, and the metrics logged up to it (null: no log). */
  start: number;
  logged: MetricsRecord[] | null;
  name: string;
  dir: string;
  saveAt: (step: number) => Promise<void>;
  stopRequested: () => boolean;
}

/** Trains a category's detector step by step: the loop, metrics.jsonl, the progress bar and checkpoints. */
async function trainSteps(r: StepRun): Promise<LoopEnd> {
  const metricsLog = join(r.dir, METRICS_LOG);
  // Steps logged past the checkpoint are dropped: they are trained again.
  await writeOutput(metricsLog, metricsText(r.start === 0 ? [] : (r.logged ?? [])));
  const progress = new ProgressBar({ total: r.steps, start: r.start, label: r.name });
  const end = await trainLoop({
    trainer: r.detector,
    batchSize: r.v['batch-size'] as number,
    steps: r.steps,
    seed: r.seed,
    startStep: r.start,
    checkpointEvery: r.v['checkpoint-every'] as number,
    data: r.data,
    saveCheckpoint: r.saveAt,
    onStep: (step, losses) => {
      appendOutput(metricsLog, `${JSON.stringify({ step: step + 1, ...losses })}\n`);
      progress.update(step + 1, pick(losses, ['total', 'reconstruction', 'discriminator']));
    },
    stopRequested: r.stopRequested,
  });
  progress.finish();
  return end;
}

/** Why option `name` does not apply to this run's model and dataset, or null. */
function whyNot(name: string, kind: DetectorKind, model: string, dataset: DatasetKind): string | null {
  if (name in stepOptions && kind.training !== 'steps')
    return `to --model ${model}: it is fitted in one pass, not trained by steps`;
  if (!(name in common || name in stepOptions || name in run || name in kind.settings)) {
    const takers = Object.keys(DETECTORS).filter((n) => name in DETECTORS[n].settings && !DETECTORS[n].whyNot?.(name));
    return `to --model ${model} (only ${takers.join(', ')} take it)`;
  }
  const own = name in kind.settings ? kind.whyNot?.(name) : null;
  return own ? `to --model ${model}: ${own}` : datasetWhyNot(dataset, name);
}

/**
 * Fills the options not given with the run's preset (`--preset`, else its dataset's default; PRESETS), those of
 * them the model takes (a baseline takes a preset's image size, not CAVGA's settings). Returns the preset's name.
 */
export function applyPreset(v: Parsed, given: string[]): string {
  const [model, dataset] = [v.model as string, v.dataset as DatasetKind];
  const kind = detectorKind(model);
  const preset = (v.preset as string | undefined) ?? DATASET_PRESETS[dataset] ?? 'none';
  for (const [name, value] of Object.entries(PRESETS[preset]?.options ?? {}))
    if (!given.includes(name) && !whyNot(name, kind, model, dataset)) v[name] = value;
  return preset;
}

/** The run of `argv`: the options checked; the dataset and, on --resume, the run folder checked before anything trains. */
export async function train(argv: string[]): Promise<number> {
  const { values: v, help, given } = parseOptions('train', argv, trainOptions);
  if (help) {
    console.log(helpText('train', trainSummary, trainOptions));
    return 0;
  }
  const model = v.model as string;
  const kind = detectorKind(model);
  const stepped = kind.training === 'steps';
  const dataset = v.dataset as DatasetKind;
  refuseInapplicable('train', given, (name) => whyNot(name, kind, model, dataset));
  const preset = applyPreset(v, given);
  if (given.includes('steps') && given.includes('epochs'))
    throw new UsageError('cavga train: give --steps or --epochs, not both (see cavga train --help)');
  const out = (v.out as string | undefined) ?? join('runs', `${model}-${dataset}`);
  const log = (line: string) => console.log(line);

  // Refuse to mix runs: a folder with a run is only continued with --resume and the same settings.
  const configPath = join(out, 'config.json');
  const evaluateOn = v.split as 'validation' | 'test';
  let previous: RunConfig | null = null;
  if (existsSync(configPath)) {
    if (!v.resume) {
      specOf(kind, v); // a bad option is said first, whatever the folder holds
      throw new UsageError(
        `cavga train: ${out} already holds a run; pass --resume to continue it or --out for a new folder`,
      );
    }
    previous = readRunConfig(configPath);
    keepRunValues(v, given, previous);
  } else if (v.resume) {
    throw new UsageError(`cavga train: nothing to resume in ${out} (no config.json)`);
  }
  checkOutputFolder(out);
  const spec = specOf(kind, v);
  const convertChannels = v['convert-channels'] === true;
  const runConfig = {
    ...spec.config,
    dataset,
    data: v.data ?? null,
    categories: v.categories ?? null,
    dataSeed: v['data-seed'],
    maxTrain: v['max-train'] ?? null,
    maxTest: v['max-test'] ?? null,
    split: evaluateOn,
    ...(preset !== 'none' && { preset }),
    baselines: v.baselines === 'true',
    ...(convertChannels && { convertChannels }),
    ...(stepped && { batchSize: v['batch-size'], steps: v.steps, epochs: v.epochs ?? null }),
  };
  const changed = previous ? resumeChanges(previous, runConfig, configPath) : {};
  const batchSize = v['batch-size'] as number;
  const stepsOf = (c: Category) =>
    !stepped
      ? null
      : v.epochs !== undefined
        ? Math.max(1, Math.ceil(((v.epochs as number) * c.split.train.length) / batchSize))
        : (v.steps as number);

  const weak = spec.supervision === 'weakly';
  const dataOptions: DataOptions = {
    dataset,
    path: v.data as string | undefined,
    categories: v.categories as string | undefined,
    imageSize: spec.imageSize,
    channels: spec.channels,
    dataSeed: v['data-seed'] as number,
    weaklySupervised: weak,
    maxTrain: v['max-train'] as number | undefined,
    maxTest: v['max-test'] as number | undefined,
    check: {
      convertChannels,
      minNormalTrain: 2,
      channelAdvice: (c) =>
        `pass --convert-channels to convert them, or --channels ${c} for a ${c === 1 ? 'gray' : 'colour'} model`,
    },
    log,
  };
  const { categories, problems } = loadCategories(dataOptions);
  const resume = previous ? await resumePoints(out, categories, stepsOf, problems) : {};
  if (problems.length) throw new DatasetProblems('cavga train', 'trained', problems);
  const atStep = Object.fromEntries(Object.entries(resume).map(([name, r]) => [name, r.step]));
  const config = previous ? resumedConfig(previous, runConfig, changed, atStep) : runConfig;
  const changes = Object.entries(changed).map(([key, [was, is]]) => `${key} ${was} -> ${is}`);
  if (changes.length) log(`resuming with ${changes.join(', ')}`);
  makeFolder(out);
  await writeOutput(configPath, JSON.stringify(config, null, 2));

  const { init } = await import('../devices.ts');
  const gpu = await init({ lowerHostPriority: true });
  log(`adapter: ${gpu.rt.info.description || gpu.rt.info.vendor}`);
  const signals = stopSignals(log);
  const evaluations: CategoryEvaluation[] = [];
  const baselines: BaselineMetrics[] =
    v.baselines === 'true' ? BASELINES.filter((b) => b !== model).map((name) => ({ name, categories: [] })) : [];
  const started = Date.now();
  const report = (title: string) =>
    writeReport(
      out,
      title,
      config,
      evaluations,
      categories.map((c) => c.name),
      baselines,
    );
  try {
    for (const category of categories) {
      const dir = join(out, category.name);
      makeFolder(dir);
      const p = { size: spec.imageSize, channels: spec.channels, convertChannels };
      const { train: trainSet, evaluated } = loadSplit(category.split, p, category.name, evaluateOn);
      requireVariedImages(trainSet, category.name);
      const detector = kind.create(spec.config);
      const checkpoint = join(dir, CHECKPOINT);
      const saveAt = (step: number) => saveDetector(checkpoint, detector, step, trainedOn(dataOptions, category));
      const point = resume[category.name];
      const start = point ? await resumeDetector(checkpoint, detector) : 0;
      const data = trainingData(trainSet, weak);
      let step = 1; // a one-pass fit counts as one step
      if (detector.training === 'one-pass') {
        if (start === 0) {
          await detector.fit(data);
          await saveAt(step);
        }
        log(`${category.name}: fitted on ${trainSet.count} training images`);
      } else {
        const runStep = { v, seed: spec.seed, steps: stepsOf(category)!, start, logged: point?.logged ?? null };
        const end = await trainSteps({
          detector,
          data,
          ...runStep,
          name: category.name,
          dir,
          saveAt,
          stopRequested: signals.requested,
        });
        if (end.reason === 'interrupted') {
          log(
            `stopped at step ${end.step} of ${category.name}; checkpoint saved. Continue with: cavga train --resume --out ${out} (and the same options)`,
          );
          return 0;
        }
        if (end.reason === 'non-finite') throw nonFinite(end, category.name, out, v, kind);
        step = end.step;
      }
      if (detector.needsCalibration) {
        const used = await calibrateOn(detector, trainSet);
        await saveAt(step);
        log(`${category.name}: scoring calibrated on ${used} normal training images`);
      }
      const evaluation = await evaluateDetector(detector, evaluated, category.name);
      await writeOutput(join(dir, 'samples.png'), picturesPng(evaluation));
      evaluations.push(evaluation);
      const m = evaluation.metrics;
      log(
        `${category.name}: image AUROC ${formatMetric(m.imageAuroc)}, pixel AUROC ${formatMetric(m.pixelAuroc)}, IoU ${formatMetric(m.iou)} (${evaluateOn} set)`,
      );
      for (const baseline of baselines)
        baseline.categories.push(await scoreBaseline(baseline.name, spec, category.name, trainSet, evaluated, log));
    }
  } catch (e) {
    // The categories done so far keep their results: the report shows them, and --resume does not train them again.
    if (evaluations.length) {
      const done = evaluations.map((x) => x.category).join(', ');
      await report(`CAVGA run: ${model} on ${dataset} (incomplete: ${done})`).then(
        () => log(`report of the finished categories (${done}): ${join(out, 'report.html')}`),
        () => {},
      );
    }
    throw e;
  } finally {
    signals.release();
  }
  const markdown = await report(`CAVGA run: ${model} on ${dataset}, ${evaluateOn} set`);
  log(
    `\n${markdown}\ntrained and evaluated in ${((Date.now() - started) / 1000).toFixed(0)} s; report: ${join(out, 'report.html')}`,
  );
  return 0;
}

/** A baseline fitted on a category's normal training images and scored on the images the model was scored on. */
async function scoreBaseline(
  name: string,
  spec: DetectorSpec,
  category: string,
  train: Dataset,
  evaluated: Dataset,
  log: (line: string) => void,
): Promise<CategoryMetrics> {
  const started = Date.now();
  const baseline = createDetector(name, spec) as OnePassDetector;
  try {
    const m = await fitAndEvaluate(baseline, train, evaluated, category);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(
      `${category}: ${name} image AUROC ${formatMetric(m.imageAuroc)}, pixel AUROC ${formatMetric(m.pixelAuroc)} (${seconds} s)`,
    );
    return m;
  } finally {
    release(baseline);
  }
}

/** Frees a detector's tensors on the device now rather than when the process ends. */
function release(detector: Detector): void {
  for (const t of Object.values(detector.checkpointState().model.stateDict())) t.dispose();
}

/** The error of a loss that became non-finite, saying how to go on from the last good checkpoint. */
function nonFinite(
  end: Extract<LoopEnd, { reason: 'non-finite' }>,
  name: string,
  out: string,
  v: Parsed,
  kind: DetectorKind,
): DataError {
  const lower = 'lr' in kind.settings && !kind.whyNot?.('lr') ? ` --lr ${formatValue((v.lr as number) / 10)}` : '';
  const from = end.lastCheckpoint ? `its last good checkpoint (step ${end.lastCheckpoint})` : 'the start';
  return new DataError(
    `${name}: the ${end.term} loss became non-finite at step ${end.step + 1}; stopped. Continue from ${from}${lower ? ' with a lower learning rate' : ''}: cavga train --resume --out ${out}${lower} (and the same other options)`,
  );
}

function pick(values: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => k in values).map((k) => [k, values[k]]));
}

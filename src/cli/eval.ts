// `cavga eval`: a checkpoint and a dataset give the metrics and the report.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sameScoring, validateScoring } from '../cavga/config.ts';
import { loadSplit } from '../cavga/data/index.ts';
import { helpText, parseOptions, UsageError, type OptionTable } from './args.ts';
import { DATASETS, loadCategories, type DatasetKind } from './data-source.ts';
import { calibrateOn, evaluateModel, scoringOf, scoringOptions } from './evaluate.ts';
import { loadModel } from './model-files.ts';
import { writeReport } from './report-files.ts';

const options: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train (<run>/<category>/checkpoint.safetensors)' },
  dataset: { type: 'string', choices: DATASETS, default: 'builtin', help: 'data source' },
  data: { type: 'string', help: 'dataset folder' },
  categories: { type: 'string', help: 'categories or normal classes to evaluate on, comma separated' },
  'data-seed': { type: 'integer', default: 0, min: 0, help: 'built-in dataset: seed of its images (another copy)' },
  'max-test': { type: 'integer', min: 1, help: 'at most this many test images (MNIST, CIFAR-10)' },
  out: { type: 'string', help: 'folder for the metrics and the report (default: beside the checkpoint, eval/)' },
  ...scoringOptions(() => "(default: the checkpoint's)"),
};

export async function evaluate(argv: string[]): Promise<number> {
  const { values: v, help } = parseOptions('eval', argv, options);
  if (help) {
    console.log(
      helpText(
        'eval',
        'Evaluates a trained model on a dataset: image and pixel AUROC, IoU, detection accuracy, pictures and an HTML report.',
        options,
      ),
    );
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('cavga eval: --checkpoint is required (see cavga eval --help)');
  const { init } = await import('../tensor/context.ts');
  await init();
  const checkpoint = v.checkpoint as string;
  const { model, saved, step } = await loadModel(checkpoint);
  const { imageSize, channels } = saved.cavga;
  const scoring = scoringOf(v, saved.cavga);
  try {
    validateScoring(scoring);
  } catch (e) {
    throw new UsageError(`cavga eval: ${(e as Error).message}`);
  }
  const categories = loadCategories({
    dataset: v.dataset as DatasetKind,
    path: v.data as string | undefined,
    categories: v.categories as string | undefined,
    imageSize,
    channels,
    seed: saved.seed,
    dataSeed: v['data-seed'] as number,
    weaklySupervised: false,
    maxTest: v['max-test'] as number | undefined,
  });
  const out = (v.out as string | undefined) ?? join(checkpoint, '..', 'eval');
  mkdirSync(out, { recursive: true });
  const evaluations = [];
  // Standardised scoring other than the checkpoint's own needs statistics of its own: from each category's training images.
  const recalibrate = scoring.standardize && (!model.calibration.calibrated || !sameScoring(scoring, saved.cavga));
  for (const category of categories) {
    const { test, train } = loadSplit(category.split, { size: imageSize, channels }, category.name);
    if (recalibrate)
      console.log(`${category.name}: calibrated on ${await calibrateOn(model, train, scoring)} normal training images`);
    evaluations.push(await evaluateModel(model, test, category.name, scoring));
  }
  const markdown = writeReport(
    out,
    `CAVGA evaluation of ${checkpoint} (step ${step})`,
    { checkpoint, ...saved, scoring },
    evaluations,
    [],
  );
  console.log(`${markdown}\nreport: ${join(out, 'report.html')}`);
  return 0;
}

// `cavga eval`: a checkpoint and a dataset give the metrics and the report.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSplit } from '../anomaly/data/index.ts';
import { calibrateOn, evaluateDetector } from '../anomaly/evaluate.ts';
import { everySetting } from '../detectors.ts';
import { helpText, parseOptions, refuseOthers, UsageError, type OptionTable } from './args.ts';
import { DATASETS, loadCategories, type DatasetKind } from './data-source.ts';
import { loadDetector } from './model-files.ts';
import { writeReport } from './report-files.ts';

const common: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train (<run>/<category>/checkpoint.safetensors)' },
  dataset: { type: 'string', choices: DATASETS, default: 'builtin', help: 'data source' },
  data: { type: 'string', help: 'dataset folder' },
  categories: { type: 'string', help: 'categories or normal classes to evaluate on, comma separated' },
  'data-seed': { type: 'integer', default: 0, min: 0, help: 'built-in dataset: seed of its images (another copy)' },
  'max-test': { type: 'integer', min: 1, help: 'at most this many test images (MNIST, CIFAR-10)' },
  out: { type: 'string', help: 'folder for the metrics and the report (default: beside the checkpoint, eval/)' },
};
// Every detector's test-time settings; the checkpoint's detector must take the ones given.
const options: OptionTable = { ...common, ...everySetting((kind) => kind.scoringSettings) };

export async function evaluate(argv: string[]): Promise<number> {
  const { values: v, help, given } = parseOptions('eval', argv, options);
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
  const { init } = await import('../devices.ts');
  await init();
  const checkpoint = v.checkpoint as string;
  const { detector, kind, step } = await loadDetector(checkpoint);
  refuseOthers('eval', given, (name) => name in common || name in kind.scoringSettings, "this checkpoint's model");
  try {
    detector.setScoring(v);
  } catch (e) {
    throw new UsageError(`cavga eval: ${(e as Error).message}`);
  }
  const { imageSize, channels } = detector;
  const categories = loadCategories({
    dataset: v.dataset as DatasetKind,
    path: v.data as string | undefined,
    categories: v.categories as string | undefined,
    imageSize,
    channels,
    seed: detector.seed,
    dataSeed: v['data-seed'] as number,
    weaklySupervised: false,
    maxTest: v['max-test'] as number | undefined,
  });
  const out = (v.out as string | undefined) ?? join(checkpoint, '..', 'eval');
  mkdirSync(out, { recursive: true });
  const evaluations = [];
  // A scoring other than the checkpoint's own may need statistics of its own: from each category's training images.
  const recalibrate = detector.needsCalibration;
  for (const category of categories) {
    const { test, train } = loadSplit(category.split, { size: imageSize, channels }, category.name);
    if (recalibrate)
      console.log(`${category.name}: calibrated on ${await calibrateOn(detector, train)} normal training images`);
    evaluations.push(await evaluateDetector(detector, test, category.name));
  }
  const markdown = writeReport(
    out,
    `CAVGA evaluation of ${checkpoint} (step ${step})`,
    { checkpoint, ...detector.config, scoring: detector.scoring },
    evaluations,
    [],
  );
  console.log(`${markdown}\nreport: ${join(out, 'report.html')}`);
  return 0;
}

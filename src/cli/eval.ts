// `cavga eval`: a checkpoint and a dataset give the metrics and the report. By default the dataset is the one the
// checkpoint trained on, split as it was (the data seed and caps it recorded; weakly supervised, the same anomalies moved
// into training), so no image it trained on is scored; --split validation scores the validation set instead.

import { join } from 'node:path';
import { loadSplit } from '../anomaly/data/index.ts';
import { DatasetProblems } from '../anomaly/data/preflight.ts';
import { calibrateOn, evaluateDetector } from '../anomaly/evaluate.ts';
import { everySetting } from '../detectors.ts';
import { helpText, parseOptions, refuseInapplicable, UsageError, type OptionTable } from './args.ts';
import { DATASETS, datasetWhyNot, loadCategories, type DatasetKind } from './data-source.ts';
import { loadDetector } from './model-files.ts';
import { checkOutputFolder, makeFolder } from './output-files.ts';
import { writeReport } from './report-files.ts';

const common: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train (<run>/<category>/checkpoint.safetensors)' },
  dataset: { type: 'string', choices: DATASETS, help: "data source (default: the checkpoint's, else builtin)" },
  data: { type: 'string', help: "dataset folder (default: the checkpoint's)" },
  categories: {
    type: 'string',
    help: "categories or normal classes to evaluate on, comma separated (default: the checkpoint's)",
  },
  'data-seed': {
    type: 'integer',
    min: 0,
    help: "seed of the split and of the built-in images (default: the checkpoint's)",
  },
  'max-test': {
    type: 'integer',
    min: 1,
    help: "at most this many validation and test images (default: the checkpoint's)",
  },
  split: {
    type: 'string',
    choices: ['test', 'validation'],
    default: 'test',
    help: 'the set to score: validation while choosing settings, test once they are chosen',
  },
  'convert-channels': {
    type: 'boolean',
    help: "convert images of the other channel count to the model's (gray to RGB by repetition, RGB to gray by luminance)",
  },
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
  const checkpoint = v.checkpoint as string;
  const { detector, kind, step, trainedOn } = await loadDetector(checkpoint);
  // The checkpoint's data unless an option names other data.
  const dataset = (v.dataset as DatasetKind | undefined) ?? trainedOn?.dataset ?? 'builtin';
  const same = trainedOn?.dataset === dataset;
  const out = (v.out as string | undefined) ?? join(checkpoint, '..', 'eval');
  checkOutputFolder(out);
  refuseInapplicable('eval', given, (name) =>
    name in common || name in kind.scoringSettings ? datasetWhyNot(dataset, name) : "to this checkpoint's model",
  );
  try {
    detector.setScoring(Object.fromEntries(Object.keys(kind.scoringSettings).map((name) => [name, v[name]])));
  } catch (e) {
    throw new UsageError(`cavga eval: ${(e as Error).message}`);
  }
  const { imageSize, channels } = detector;
  const evaluateOn = v.split as 'validation' | 'test';
  // A scoring other than the checkpoint's own may need statistics of its own: from each category's training images.
  const recalibrate = detector.needsCalibration;
  const convertChannels = v['convert-channels'] === true;
  const { categories, problems } = loadCategories({
    dataset,
    path: (v.data as string | undefined) ?? (same ? (trainedOn.data ?? undefined) : undefined),
    categories: (v.categories as string | undefined) ?? (same ? (trainedOn.category ?? undefined) : undefined),
    imageSize,
    channels,
    dataSeed: (v['data-seed'] as number | undefined) ?? trainedOn?.dataSeed ?? 0,
    // The training images a weakly supervised model learnt from stay out of the other sets, as in training.
    weaklySupervised: detector.supervision === 'weakly',
    maxTrain: same ? (trainedOn.maxTrain ?? undefined) : undefined,
    maxTest: (v['max-test'] as number | undefined) ?? (same ? (trainedOn.maxTest ?? undefined) : undefined),
    check: {
      convertChannels,
      minNormalTrain: recalibrate ? 2 : 0,
      channelAdvice: () => `pass --convert-channels to convert them to the model's ${channels}`,
    },
  });
  if (problems.length) throw new DatasetProblems('cavga eval', 'evaluated', problems);
  makeFolder(out);
  const evaluations = [];
  for (const category of categories) {
    const p = { size: imageSize, channels, convertChannels };
    const { evaluated, train } = loadSplit(category.split, p, category.name, evaluateOn);
    if (recalibrate)
      console.log(`${category.name}: calibrated on ${await calibrateOn(detector, train)} normal training images`);
    evaluations.push(await evaluateDetector(detector, evaluated, category.name));
  }
  const markdown = await writeReport(
    out,
    `CAVGA evaluation of ${checkpoint} (step ${step}), ${evaluateOn} set`,
    { checkpoint, ...detector.config, scoring: detector.scoring, split: evaluateOn },
    evaluations,
    [],
  );
  console.log(`${markdown}\nreport: ${join(out, 'report.html')}`);
  return 0;
}

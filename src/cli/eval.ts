// `cavga eval`: a checkpoint and a dataset give the metrics and the report.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSplit } from '../cavga/data/index.ts';
import { helpText, parseOptions, UsageError, type OptionTable } from './args.ts';
import { DATASETS, loadCategories, type DatasetKind } from './data-source.ts';
import { evaluateModel } from './evaluate.ts';
import { loadModel } from './model-files.ts';
import { writeReport } from './report-files.ts';

const options: OptionTable = {
  checkpoint: { type: 'string', help: 'a checkpoint written by cavga train (<run>/<category>/checkpoint.safetensors)' },
  dataset: { type: 'string', choices: DATASETS, default: 'builtin', help: 'data source' },
  data: { type: 'string', help: 'dataset folder' },
  categories: { type: 'string', help: 'categories or normal classes to evaluate on, comma separated' },
  'max-test': { type: 'integer', min: 1, help: 'at most this many test images (MNIST, CIFAR-10)' },
  out: { type: 'string', help: 'folder for the metrics and the report (default: beside the checkpoint, eval/)' },
};

export async function evaluate(argv: string[]): Promise<number> {
  const { values: v, help } = parseOptions('eval', argv, options);
  if (help) {
    console.log(helpText('eval', 'Evaluates a trained model on a dataset: image and pixel AUROC, IoU, detection accuracy, pictures and an HTML report.', options));
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('cavga eval: --checkpoint is required (see cavga eval --help)');
  const { init } = await import('../tensor/context.ts');
  await init();
  const checkpoint = v.checkpoint as string;
  const { model, saved, step } = await loadModel(checkpoint);
  const { imageSize, channels } = saved.cavga;
  const categories = loadCategories({
    dataset: v.dataset as DatasetKind, path: v.data as string | undefined, categories: v.categories as string | undefined,
    imageSize, channels, seed: saved.seed, weaklySupervised: false, maxTest: v['max-test'] as number | undefined,
  });
  const out = (v.out as string | undefined) ?? join(checkpoint, '..', 'eval');
  mkdirSync(out, { recursive: true });
  const evaluations = [];
  for (const category of categories) {
    const { test } = loadSplit(category.split, { size: imageSize, channels }, category.name);
    evaluations.push(await evaluateModel(model, test, category.name));
  }
  const markdown = writeReport(out, `CAVGA evaluation of ${checkpoint} (step ${step})`, { checkpoint, ...saved }, evaluations, []);
  console.log(`${markdown}\nreport: ${join(out, 'report.html')}`);
  return 0;
}

// Evaluation of a trained model on one category's test set: scores, maps, the paper's metrics, the ROC curve, and the
// per-image pictures for the report.

import { tensor } from '../tensor/creation.ts';
import { calibrate } from '../cavga/calibration.ts';
import { analyze } from '../cavga/inference.ts';
import {
  ANOMALY_MAPS,
  IMAGE_SCORES,
  SCORING_MAPS,
  sameScoring,
  type AnomalyMap,
  type ImageScore,
  type Scoring,
} from '../cavga/config.ts';
import type { Cavga } from '../cavga/models/cavga.ts';
import type { Dataset } from './data/index.ts';
import type { OptionTable, Parsed } from '../cli/args.ts';
import {
  encodePng,
  evaluateCategory,
  roc,
  sampleGrid,
  type CategoryMetrics,
  type GridSample,
  type NamedRoc,
  type ReportSample,
} from './report/index.ts';

export interface CategoryEvaluation {
  metrics: CategoryMetrics;
  /** The paper's protocol on the same test set, where the model is CAVGA and scored otherwise. */
  paperMetrics?: CategoryMetrics;
  roc: NamedRoc;
  /** Pictures of a few normal and anomalous test images (highest-scoring anomalous first). */
  samples: ReportSample[];
  grid: Uint8Array;
}

const EVAL_BATCH = 16;
/** Enough images for per-pixel statistics; evenly spaced through larger training sets (MNIST, CIFAR-10). */
const CALIBRATION_IMAGES = 256;

/** Calibrates the model's standardised scoring on up to CALIBRATION_IMAGES normal images of `train`. */
export function calibrateOn(model: Cavga, train: Dataset, scoring: Scoring): Promise<number> {
  const normal = [...train.labels.keys()].filter((i) => train.labels[i] < 0.5);
  const stride = Math.max(1, normal.length / CALIBRATION_IMAGES);
  const chosen = Array.from(
    { length: Math.min(normal.length, CALIBRATION_IMAGES) },
    (_, k) => normal[Math.floor(k * stride)],
  );
  function* batches() {
    for (let i = 0; i < chosen.length; i += EVAL_BATCH) {
      const b = train.batch(chosen.slice(i, i + EVAL_BATCH));
      yield tensor(b.images, b.shape);
    }
  }
  return calibrate(model, batches(), scoring);
}

/** The test-time options of train and eval; `defaultOf` describes each one's default for the help text. */
export const scoringOptions = (defaultOf: (key: keyof Scoring) => string): OptionTable => ({
  'anomaly-map': {
    type: 'string',
    choices: ANOMALY_MAPS,
    help: `localisation map: 1 - A (the paper), |A|, the error, 1 - SSIM, or the smoothed error weighted by the attention ${defaultOf('anomalyMap')}`,
  },
  'image-score': {
    type: 'string',
    choices: IMAGE_SCORES,
    help: `image score: mean |x - x_hat| (the paper) or the map's maximum ${defaultOf('imageScore')}`,
  },
  'error-smoothing': {
    type: 'number',
    min: 0,
    help: `attention-error map: sigma in pixels of the Gaussian on the error, 0 for none ${defaultOf('errorSmoothing')}`,
  },
  'attention-exponent': {
    type: 'number',
    min: 0,
    help: `attention-error map: power of the attention map that weights the error ${defaultOf('attentionExponent')}`,
  },
  standardize: {
    type: 'string',
    choices: ['yes', 'no'],
    help: `standardise the map per pixel by normal training images' error ${defaultOf('standardize')}`,
  },
});

/**
 * The scoring the options ask for, `defaults` filling what they leave out; where the chosen map cannot carry a default
 * (an attention map has no error scale to take the maximum of or to standardise), the paper's choice fills in instead.
 */
export function scoringOf(v: Parsed, defaults: Scoring): Scoring {
  const anomalyMap = (v['anomaly-map'] as AnomalyMap | undefined) ?? defaults.anomalyMap;
  const scaled = SCORING_MAPS.includes(anomalyMap);
  return {
    anomalyMap,
    imageScore: (v['image-score'] as ImageScore | undefined) ?? (scaled ? defaults.imageScore : 'mean-error'),
    errorSmoothing: (v['error-smoothing'] as number | undefined) ?? defaults.errorSmoothing,
    attentionExponent: (v['attention-exponent'] as number | undefined) ?? defaults.attentionExponent,
    standardize: v.standardize === undefined ? defaults.standardize && scaled : v.standardize === 'yes',
  };
}

/** The paper's test protocol (mean |x - x_hat|; 1 - A, or A_a when weakly supervised), for comparison with other scorings. */
export const paperScoring = (scoring: Scoring): Scoring => ({
  ...scoring,
  anomalyMap: 'attention',
  imageScore: 'mean-error',
  standardize: false,
});

/** Scores and maps of every test image under `scoring`; `onBatch` sees each batch's analysis read back. */
async function scoreAll(
  model: Cavga,
  test: Dataset,
  scoring: Scoring,
  onBatch?: (indices: number[], batch: ReturnType<Dataset['batch']>, read: Float32Array[]) => void,
) {
  const plane = test.size * test.size;
  const scores = new Float32Array(test.count);
  const maps = new Float32Array(test.count * plane);
  for (let start = 0; start < test.count; start += EVAL_BATCH) {
    const indices = Array.from({ length: Math.min(EVAL_BATCH, test.count - start) }, (_, k) => start + k);
    const batch = test.batch(indices);
    const images = tensor(batch.images, batch.shape);
    const result = analyze(model, images, scoring);
    const [s, m] = await Promise.all([result.score.data(), result.map.data()]);
    scores.set(s, start);
    maps.set(m, start * plane);
    if (onBatch) {
      // Reconstructions and attention are read back only for the pictures.
      const [r, a] = await Promise.all([result.reconstruction.data(), result.attention?.data()]);
      onBatch(indices, batch, [
        Float32Array.from(s),
        Float32Array.from(m),
        Float32Array.from(r),
        ...(a ? [Float32Array.from(a)] : []),
      ]);
    }
    for (const t of [images, result.score, result.map, result.reconstruction, result.attention]) t?.dispose();
  }
  return { scores, maps };
}

/**
 * Evaluates under `scoring` (the model's own unless given). For a CAVGA model scored otherwise, `paperMetrics` holds the
 * same test set's metrics under the paper's protocol.
 */
export async function evaluateModel(
  model: Cavga,
  test: Dataset,
  category: string,
  scoring: Scoring = model.config,
  picturesPerClass = 4,
): Promise<CategoryEvaluation> {
  const { size, channels } = test;
  const plane = size * size;
  const pictures: GridSample[] = [];
  const wanted = new Set(pickPictures(test.labels, picturesPerClass));
  const { scores, maps } = await scoreAll(model, test, scoring, (indices, batch, [s, m, r, a]) => {
    indices.forEach((i, k) => {
      if (!wanted.has(i)) return;
      const per = channels * plane;
      pictures.push({
        input: { width: size, height: size, channels, data: batch.images.slice(k * per, (k + 1) * per) },
        reconstruction: { width: size, height: size, channels, data: r.slice(k * per, (k + 1) * per) },
        attention: a ? a.slice(k * plane, (k + 1) * plane) : null,
        map: m.slice(k * plane, (k + 1) * plane),
        mask: batch.masks ? batch.masks.slice(k * plane, (k + 1) * plane) : null,
        score: s[k],
        label: batch.labels[k],
        defect: test.samples[i].defect,
      });
    });
  });
  const masks = test.hasMasks ? test.batch(Array.from({ length: test.count }, (_, i) => i)).masks! : undefined;
  const metrics = evaluateCategory(category, { scores, labels: test.labels, maps, masks });
  const paper = paperScoring(scoring);
  let paperMetrics: CategoryMetrics | undefined;
  if (model.config.attentionLoss && !sameScoring(paper, scoring)) {
    const other = await scoreAll(model, test, paper);
    paperMetrics = evaluateCategory(category, { scores: other.scores, labels: test.labels, maps: other.maps, masks });
  }
  const curve = roc(scores, test.labels);
  pictures.sort((a, b) => b.label - a.label || b.score - a.score);
  return {
    metrics,
    paperMetrics,
    roc: { name: category, auroc: metrics.imageAuroc, ...curve },
    samples: pictures.map((p) => ({
      category,
      score: p.score,
      label: p.label,
      defect: p.defect,
      png: encodePng(sampleGrid([p], { captions: false })),
    })),
    grid: encodePng(sampleGrid(pictures)),
  };
}

/** Indices of the first `k` normal and the first `k` anomalous test images. */
function pickPictures(labels: Float32Array, k: number): number[] {
  const normal: number[] = [];
  const anomalous: number[] = [];
  labels.forEach((l, i) => (l > 0.5 ? anomalous : normal).push(i));
  return [...normal.slice(0, k), ...anomalous.slice(0, k)];
}

// Evaluation of a trained detector on one category's test set: scores, maps, the paper's metrics, the ROC curve, and
// pictures of a few test images for the report. No files here: `cavga train` and `cavga eval` write what it returns,
// and a browser evaluates on datasets it builds from images it was given (Dataset.load).

import type { Tensor } from '../tensor/tensor.ts';
import { imageBatches, normalTrainingData } from './batch.ts';
import type { DataBatch, Dataset } from './data/dataset.ts';
import type { Detector, DetectorAnalysis, OnePassDetector } from './detector.ts';
import type { GridSample } from './report/image-grid.ts';
import { evaluateCategory, type CategoryMetrics } from './report/metrics.ts';
import type { NamedRoc } from './report/plots.ts';
import { roc } from './report/roc.ts';

export interface CategoryEvaluation {
  category: string;
  metrics: CategoryMetrics;
  /** The same test set under the detector's second protocol (CAVGA: the paper's), where it offers one. */
  paperProtocol?: { title: string; metrics: CategoryMetrics };
  roc: NamedRoc;
  /** A few normal and anomalous test images with their maps: anomalous ones first, the highest-scoring first. */
  pictures: GridSample[];
}

const EVAL_BATCH = 16;
/** Enough images for per-pixel statistics; evenly spaced through larger training sets (MNIST, CIFAR-10). */
const CALIBRATION_IMAGES = 256;

/** Calibrates the detector's scoring on up to CALIBRATION_IMAGES normal images of `train`; returns how many it used. */
export async function calibrateOn(detector: Detector, train: Dataset): Promise<number> {
  if (!detector.calibrate) throw new Error('calibrateOn: this detector has no calibration');
  const normal = [...train.labels.keys()].filter((i) => train.labels[i] < 0.5);
  const stride = Math.max(1, normal.length / CALIBRATION_IMAGES);
  const chosen = Array.from(
    { length: Math.min(normal.length, CALIBRATION_IMAGES) },
    (_, k) => normal[Math.floor(k * stride)],
  );
  function* batches() {
    for (const { images } of imageBatches(train, chosen, EVAL_BATCH)) yield images;
  }
  return detector.calibrate(batches());
}

/** Scores and maps of every test image; `onBatch` sees each batch's analysis read back. */
async function scoreAll(
  analyze: (images: Tensor) => DetectorAnalysis,
  test: Dataset,
  onBatch?: (
    indices: number[],
    batch: DataBatch,
    read: { score: Float32Array; map: Float32Array; reconstruction?: Float32Array; attention?: Float32Array },
  ) => void,
) {
  const plane = test.size * test.size;
  const scores = new Float32Array(test.count);
  const maps = new Float32Array(test.count * plane);
  const all = Array.from({ length: test.count }, (_, i) => i);
  for (const { indices, batch, images } of imageBatches(test, all, EVAL_BATCH)) {
    const result = analyze(images);
    const [s, m] = await Promise.all([result.score.data(), result.map.data()]);
    scores.set(s, indices[0]);
    maps.set(m, indices[0] * plane);
    if (onBatch) {
      // Reconstructions and attention are read back only for the pictures.
      const [r, a] = await Promise.all([result.reconstruction?.data(), result.attention?.data()]);
      onBatch(indices, batch, {
        score: Float32Array.from(s),
        map: Float32Array.from(m),
        reconstruction: r && Float32Array.from(r),
        attention: a && Float32Array.from(a),
      });
    }
    for (const t of [images, result.score, result.map, result.reconstruction, result.attention]) t?.dispose();
  }
  return { scores, maps };
}

/**
 * Evaluates the detector's scoring in use on `test` (calibrate it first where `needsCalibration` says so: calibrateOn).
 * Where the detector offers a second protocol, `paperProtocol` holds the same test set's metrics under it.
 */
export async function evaluateDetector(
  detector: Detector,
  test: Dataset,
  category: string,
  picturesPerClass = 4,
): Promise<CategoryEvaluation> {
  const { size, channels } = test;
  const plane = size * size;
  const per = channels * plane;
  const image = (data: Float32Array, k: number) => ({
    width: size,
    height: size,
    channels,
    data: data.slice(k * per, (k + 1) * per),
  });
  const pictures: GridSample[] = [];
  const wanted = new Set(pickPictures(test.labels, picturesPerClass));
  const { scores, maps } = await scoreAll(
    (images) => detector.analyze(images),
    test,
    (indices, batch, { score, map, reconstruction, attention }) => {
      indices.forEach((i, k) => {
        if (!wanted.has(i)) return;
        pictures.push({
          input: image(batch.images, k),
          reconstruction: reconstruction ? image(reconstruction, k) : null,
          attention: attention ? attention.slice(k * plane, (k + 1) * plane) : null,
          map: map.slice(k * plane, (k + 1) * plane),
          mask: batch.masks ? batch.masks.slice(k * plane, (k + 1) * plane) : null,
          score: score[k],
          label: batch.labels[k],
          defect: test.samples[i].defect,
        });
      });
    },
  );
  const masks = test.hasMasks ? test.batch(Array.from({ length: test.count }, (_, i) => i)).masks! : undefined;
  const metrics = evaluateCategory(category, { scores, labels: test.labels, maps, masks });
  const protocol = detector.paperProtocol;
  let paperProtocol: CategoryEvaluation['paperProtocol'];
  if (protocol) {
    const other = await scoreAll((images) => protocol.analyze(images), test);
    const input = { scores: other.scores, labels: test.labels, maps: other.maps, masks };
    paperProtocol = { title: protocol.title, metrics: evaluateCategory(category, input) };
  }
  pictures.sort((a, b) => b.label - a.label || b.score - a.score);
  return {
    category,
    metrics,
    paperProtocol,
    roc: { name: category, auroc: metrics.imageAuroc, ...roc(scores, test.labels) },
    pictures,
  };
}

/**
 * A one-pass detector fitted on the normal images of `train`, calibrated on them where its scoring needs it, and
 * evaluated on `test` without pictures: how `cavga train` scores its baselines beside the model, on the same images.
 */
export async function fitAndEvaluate(
  detector: OnePassDetector,
  train: Dataset,
  test: Dataset,
  category: string,
): Promise<CategoryMetrics> {
  await detector.fit(normalTrainingData(train));
  if (detector.needsCalibration) await calibrateOn(detector, train);
  return (await evaluateDetector(detector, test, category, 0)).metrics;
}

/** Indices of the first `k` normal and the first `k` anomalous test images. */
function pickPictures(labels: Float32Array, k: number): number[] {
  const normal: number[] = [];
  const anomalous: number[] = [];
  labels.forEach((l, i) => (l > 0.5 ? anomalous : normal).push(i));
  return [...normal.slice(0, k), ...anomalous.slice(0, k)];
}

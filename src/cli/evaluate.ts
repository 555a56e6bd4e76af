// Evaluation of a trained model on one category's test set: scores, maps, the paper's metrics, the ROC curve, and the
// per-image pictures for the report.

import { tensor } from '../tensor/creation.ts';
import { analyze } from '../cavga/inference.ts';
import type { Cavga } from '../cavga/models/cavga.ts';
import type { Dataset } from '../cavga/data/index.ts';
import { encodePng, evaluateCategory, roc, sampleGrid, type CategoryMetrics, type GridSample, type NamedRoc, type ReportSample } from '../cavga/report/index.ts';

export interface CategoryEvaluation {
  metrics: CategoryMetrics;
  roc: NamedRoc;
  /** Pictures of a few normal and anomalous test images (highest-scoring anomalous first). */
  samples: ReportSample[];
  grid: Uint8Array;
}

const EVAL_BATCH = 16;

export async function evaluateModel(model: Cavga, test: Dataset, category: string, picturesPerClass = 4): Promise<CategoryEvaluation> {
  const { size, channels } = test;
  const plane = size * size;
  const n = test.count;
  const scores = new Float32Array(n);
  const maps = new Float32Array(n * plane);
  const pictures: GridSample[] = [];
  const wanted = new Set(pickPictures(test.labels, picturesPerClass));
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const indices = Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, k) => start + k);
    const batch = test.batch(indices);
    const images = tensor(batch.images, batch.shape);
    const result = analyze(model, images);
    const [s, m, r, a] = await Promise.all([result.score.data(), result.map.data(), result.reconstruction.data(), result.attention?.data()]);
    scores.set(s, start);
    maps.set(m, start * plane);
    indices.forEach((i, k) => {
      if (!wanted.has(i)) return;
      const per = channels * plane;
      pictures.push({
        input: { width: size, height: size, channels, data: batch.images.slice(k * per, (k + 1) * per) },
        reconstruction: { width: size, height: size, channels, data: Float32Array.from(r.subarray(k * per, (k + 1) * per)) },
        attention: a ? Float32Array.from(a.subarray(k * plane, (k + 1) * plane)) : null,
        map: Float32Array.from(m.subarray(k * plane, (k + 1) * plane)),
        mask: batch.masks ? batch.masks.slice(k * plane, (k + 1) * plane) : null,
        score: s[k],
        label: batch.labels[k],
        defect: test.samples[i].defect,
      });
    });
    for (const t of [images, result.score, result.map, result.reconstruction, result.attention]) t?.dispose();
  }
  const masks = test.hasMasks ? test.batch(Array.from({ length: n }, (_, i) => i)).masks! : undefined;
  const metrics = evaluateCategory(category, { scores, labels: test.labels, maps, masks });
  const curve = roc(scores, test.labels);
  pictures.sort((a, b) => b.label - a.label || b.score - a.score);
  return {
    metrics,
    roc: { name: category, auroc: metrics.imageAuroc, ...curve },
    samples: pictures.map((p) => ({ category, score: p.score, label: p.label, defect: p.defect, png: encodePng(sampleGrid([p], { captions: false })) })),
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

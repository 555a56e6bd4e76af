// The test protocol's metrics for one category (docs/cavga-spec.md, "Test protocol") and their mean over categories.
// A metric that is undefined for the data at hand (AUROC without both classes, localisation without masks) is NaN,
// which JSON writes as null and the markdown table as "n/a"; means skip it.

import { auroc } from './roc.ts';

/** Threshold on the localisation map (and on masks, which may be resized) for IoU. */
export const MAP_THRESHOLD = 0.5;

export interface CategoryInput {
  /** One score per test image, higher is more anomalous (mean |x - x_hat|). */
  scores: ArrayLike<number>;
  /** One label per test image: 1 anomalous, 0 normal. */
  labels: ArrayLike<number>;
  /** The maps of all test images back to back (n x pixels, values in [0, 1]), e.g. a [n, 1, s, s] tensor read back. */
  maps?: Float32Array;
  /** Ground-truth masks laid out like maps (0 or 1; all zero for normal images). */
  masks?: Float32Array;
}

export interface CategoryMetrics {
  category: string;
  images: number;
  anomalous: number;
  imageAuroc: number;
  pixelAuroc: number;
  /** The paper's IoU: mean over anomalous images (with a non-empty mask) of each image's IoU at MAP_THRESHOLD. */
  iou: number;
  /** Intersection over union of all test pixels pooled, normal images included, so false alarms on them count too. */
  iouDataset: number;
  detectionAccuracy: number;
}

/** The per-image and pooled IoU of maps > MAP_THRESHOLD against masks > MAP_THRESHOLD. */
export function iou(
  maps: Float32Array,
  masks: Float32Array,
  labels: ArrayLike<number>,
): { perImage: number; dataset: number } {
  const n = labels.length;
  const pixels = maps.length / n;
  let perImageSum = 0;
  let counted = 0;
  let intersection = 0;
  let union = 0;
  for (let k = 0; k < n; k++) {
    let inter = 0;
    let uni = 0;
    let truth = 0;
    for (let p = k * pixels; p < (k + 1) * pixels; p++) {
      const predicted = maps[p] > MAP_THRESHOLD;
      const actual = masks[p] > MAP_THRESHOLD;
      if (predicted && actual) inter++;
      if (predicted || actual) uni++;
      if (actual) truth++;
    }
    intersection += inter;
    union += uni;
    // An anomalous image without a mask (weak labels) has no region to compare with.
    if (labels[k] > 0.5 && truth > 0) {
      perImageSum += inter / uni;
      counted++;
    }
  }
  return { perImage: counted > 0 ? perImageSum / counted : NaN, dataset: union > 0 ? intersection / union : NaN };
}

/**
 * The paper's detection accuracy: scores min-max normalised over the test set, anomalous when > 0.5, and the mean of
 * the accuracy on normal images and on anomalous ones (so a class imbalance does not reward always answering "normal").
 */
export function detectionAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    lo = Math.min(lo, scores[i]);
    hi = Math.max(hi, scores[i]);
  }
  const range = hi - lo;
  const correct = [0, 0];
  const total = [0, 0];
  for (let i = 0; i < scores.length; i++) {
    const actual = labels[i] > 0.5 ? 1 : 0;
    // Equal scores carry no information: every image is then called normal.
    const predicted = range > 0 && (scores[i] - lo) / range > 0.5 ? 1 : 0;
    total[actual]++;
    if (predicted === actual) correct[actual]++;
  }
  if (total[0] === 0 || total[1] === 0) return NaN;
  return (correct[0] / total[0] + correct[1] / total[1]) / 2;
}

export function evaluateCategory(category: string, input: CategoryInput): CategoryMetrics {
  const { scores, labels, maps, masks } = input;
  const n = scores.length;
  if (labels.length !== n) throw new Error(`evaluateCategory(${category}): ${n} scores but ${labels.length} labels`);
  let anomalous = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0.5) anomalous++;
  let pixelAuroc = NaN;
  let overlap = { perImage: NaN, dataset: NaN };
  if (maps && masks) {
    if (maps.length !== masks.length || n === 0 || maps.length % n !== 0) {
      throw new Error(
        `evaluateCategory(${category}): ${maps.length} map pixels and ${masks.length} mask pixels for ${n} images`,
      );
    }
    pixelAuroc = auroc(maps, masks);
    overlap = iou(maps, masks, labels);
  }
  return {
    category,
    images: n,
    anomalous,
    imageAuroc: auroc(scores, labels),
    pixelAuroc,
    iou: overlap.perImage,
    iouDataset: overlap.dataset,
    detectionAccuracy: detectionAccuracy(scores, labels),
  };
}

const METRIC_KEYS = ['imageAuroc', 'pixelAuroc', 'iou', 'iouDataset', 'detectionAccuracy'] as const;

/** Each metric's mean over the categories where it is defined (the paper's "mean" row); counts are summed. */
export function meanMetrics(categories: CategoryMetrics[]): CategoryMetrics {
  const mean: CategoryMetrics = {
    category: 'mean',
    images: categories.reduce((s, c) => s + c.images, 0),
    anomalous: categories.reduce((s, c) => s + c.anomalous, 0),
    imageAuroc: NaN,
    pixelAuroc: NaN,
    iou: NaN,
    iouDataset: NaN,
    detectionAccuracy: NaN,
  };
  for (const key of METRIC_KEYS) {
    const defined = categories.map((c) => c[key]).filter((v) => !Number.isNaN(v));
    if (defined.length > 0) mean[key] = defined.reduce((s, v) => s + v, 0) / defined.length;
  }
  return mean;
}

export interface MetricsReport {
  categories: CategoryMetrics[];
  mean: CategoryMetrics;
  /** The same models under their paper's test protocol, where the run scored them otherwise; `title` says what it is. */
  paperProtocol?: ProtocolReport;
}

export interface ProtocolReport extends MetricsReport {
  title: string;
}

export function metricsReport(
  categories: CategoryMetrics[],
  paperProtocol?: { title: string; categories: CategoryMetrics[] },
): MetricsReport {
  return {
    categories,
    mean: meanMetrics(categories),
    ...(paperProtocol && {
      paperProtocol: { title: paperProtocol.title, ...metricsReport(paperProtocol.categories) },
    }),
  };
}

/** Pretty-printed JSON; undefined metrics become null. */
export function metricsJson(report: MetricsReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

const COLUMNS: [keyof CategoryMetrics, string][] = [
  ['category', 'category'],
  ['images', 'images'],
  ['anomalous', 'anomalous'],
  ['imageAuroc', 'image AUROC'],
  ['pixelAuroc', 'pixel AUROC'],
  ['iou', 'IoU'],
  ['iouDataset', 'IoU (pooled)'],
  ['detectionAccuracy', 'detection acc.'],
];

/** A metric for people: three decimals, or "n/a" where the data has no such metric (no masks: no pixel AUROC). */
export const formatMetric = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));

/** The table's cells: header then one row per category and the mean, shared by the markdown and HTML renderings. */
export function metricsRows(report: MetricsReport): string[][] {
  const cell = (v: string | number, isCount: boolean): string =>
    typeof v === 'string' || isCount ? String(v) : formatMetric(v);
  return [
    COLUMNS.map(([, title]) => title),
    ...[...report.categories, report.mean].map((m) =>
      COLUMNS.map(([key]) => cell(m[key], key === 'images' || key === 'anomalous')),
    ),
  ];
}

export function metricsMarkdown(report: MetricsReport): string {
  const [header, ...rows] = metricsRows(report);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  // Bold the mean row, the one the paper's tables quote.
  const last = rows.length - 1;
  rows[last] = rows[last].map((c) => `**${c}**`);
  const table =
    [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
  return report.paperProtocol
    ? `${table}\n${report.paperProtocol.title}:\n\n${metricsMarkdown(report.paperProtocol)}`
    : table;
}

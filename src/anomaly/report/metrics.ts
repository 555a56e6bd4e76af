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
  /** Baselines fitted on the same training images and scored on the same images as the model. */
  baselines?: BaselineReport[];
}

export interface ProtocolReport extends MetricsReport {
  title: string;
}

/** The model's AUROCs less a baseline's, per category and for the mean. */
export interface AurocDifference {
  category: string;
  imageAuroc: number;
  pixelAuroc: number;
}

export interface BaselineReport {
  /** Its model name (`cavga train --model`). */
  name: string;
  categories: CategoryMetrics[];
  mean: CategoryMetrics;
  /** The model's image and pixel AUROC less the baseline's. */
  modelMinusBaseline: AurocDifference[];
}

/** A baseline's metrics per category, in the order of the model's categories. */
export interface BaselineMetrics {
  name: string;
  categories: CategoryMetrics[];
}

export function metricsReport(
  categories: CategoryMetrics[],
  paperProtocol?: { title: string; categories: CategoryMetrics[] },
  baselines?: BaselineMetrics[],
): MetricsReport {
  const mean = meanMetrics(categories);
  const minus = (a: CategoryMetrics, b: CategoryMetrics): AurocDifference => ({
    category: a.category,
    imageAuroc: a.imageAuroc - b.imageAuroc,
    pixelAuroc: a.pixelAuroc - b.pixelAuroc,
  });
  return {
    categories,
    mean,
    ...(paperProtocol && {
      paperProtocol: { title: paperProtocol.title, ...metricsReport(paperProtocol.categories) },
    }),
    ...(baselines?.length && {
      baselines: baselines.map((b) => {
        const baselineMean = meanMetrics(b.categories);
        return {
          name: b.name,
          categories: b.categories,
          mean: baselineMean,
          modelMinusBaseline: [...categories.map((c, i) => minus(c, b.categories[i])), minus(mean, baselineMean)],
        };
      }),
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

/** What the baseline table shows, for its heading. */
export const BASELINES_TITLE =
  'Baselines fitted on the same training images and scored on the same images: image AUROC / pixel AUROC, and the model less each baseline';

const pair = (image: number, pixel: number, format: (v: number) => string) => `${format(image)} / ${format(pixel)}`;
const signed = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(3)}`);

/** The baseline table's cells: per category the model's AUROCs, then each baseline's and the model's difference. */
export function baselineRows(report: MetricsReport): string[][] {
  const baselines = report.baselines ?? [];
  const header = ['category', 'model', ...baselines.flatMap((b) => [b.name, `model - ${b.name}`])];
  const models = [...report.categories, report.mean];
  return [
    header,
    ...models.map((m, i) => [
      m.category,
      pair(m.imageAuroc, m.pixelAuroc, formatMetric),
      ...baselines.flatMap((b) => {
        const own = [...b.categories, b.mean][i];
        const difference = b.modelMinusBaseline[i];
        return [
          pair(own.imageAuroc, own.pixelAuroc, formatMetric),
          pair(difference.imageAuroc, difference.pixelAuroc, signed),
        ];
      }),
    ]),
  ];
}

/** A table as markdown, its last row (the mean) in bold. */
function markdownTable([header, ...rows]: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  // Bold the mean row, the one the paper's tables quote.
  const last = rows.length - 1;
  rows[last] = rows[last].map((c) => `**${c}**`);
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
}

export function metricsMarkdown(report: MetricsReport): string {
  let text = markdownTable(metricsRows(report));
  if (report.paperProtocol) text += `\n${report.paperProtocol.title}:\n\n${metricsMarkdown(report.paperProtocol)}`;
  if (report.baselines) text += `\n${BASELINES_TITLE}:\n\n${markdownTable(baselineRows(report))}`;
  return text;
}

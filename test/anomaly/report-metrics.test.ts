// Evaluation metrics against hand-computed values: ROC/AUROC with ties, pixel AUROC, IoU, the paper's detection
// accuracy, and the per-category / mean tables.

import { describe, expect, it } from 'vitest';
import { auroc, roc } from '../../src/anomaly/report/roc.ts';
import {
  detectionAccuracy,
  evaluateCategory,
  iou,
  meanMetrics,
  metricsJson,
  metricsMarkdown,
  metricsReport,
} from '../../src/anomaly/report/metrics.ts';
import { PAPER_PROTOCOL_TITLE } from '../../src/cavga/detector.ts';
import { pairwiseAuroc } from '../helpers/pairwise-auroc.ts';

describe('auroc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 when every score ties', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([3, 3, 3, 3], [0, 1, 0, 1])).toBe(0.5);
  });

  it('matches hand-computed examples', () => {
    // Pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4: 3 of 4.
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // A tie across classes (0.5 vs 0.5) counts half: 0.5>0.2, 0.5=0.5, 0.7>0.2, 0.7>0.5: 3.5 of 4.
    expect(auroc([0.5, 0.5, 0.2, 0.7], [1, 0, 0, 1])).toBe(0.875);
  });

  it('equals the pairwise count on random data full of ties', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const labels = Array.from({ length: 300 }, () => (random() < 0.3 ? 1 : 0));
    const scores = labels.map((l) => Math.round((random() + 0.4 * l) * 8) / 8);
    expect(auroc(scores, labels)).toBeCloseTo(pairwiseAuroc(scores, labels), 12);
  });

  it('is NaN without both classes and rejects NaN scores and mismatched lengths', () => {
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(() => auroc([0.1, NaN], [0, 1])).toThrow(/score 1 is NaN/);
    expect(() => auroc([0.1], [0, 1])).toThrow(/1 scores but 2 labels/);
  });

  it('handles a million pixels with large tied groups', () => {
    // Positives all at 0.6; negatives at 0.4 except every tenth at 0.6: AUROC = 0.9 + 0.5 * 0.1.
    const n = 1_000_000;
    const maps = new Float32Array(n);
    const masks = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      masks[i] = i % 4 === 0 ? 1 : 0;
      maps[i] = masks[i] || (i % 4 === 1 && (i >> 2) % 10 === 0) ? 0.6 : 0.4;
    }
    // Negatives: 3 per 4 pixels, of which the i % 4 === 1 ones are a third; every tenth of those is 0.6.
    const negatives = (3 * n) / 4;
    const raised = n / 4 / 10;
    expect(auroc(maps, masks)).toBeCloseTo(1 - (0.5 * raised) / negatives, 12);
  });
});

describe('roc', () => {
  it('runs from (0, 0) to (1, 1) with one step per distinct score', () => {
    const curve = roc([0.5, 0.5, 0.2, 0.7], [1, 0, 0, 1]);
    expect(curve.thresholds).toEqual([Infinity, 0.7, 0.5, 0.2]);
    expect(curve.fpr).toEqual([0, 0, 0.5, 1]);
    expect(curve.tpr).toEqual([0, 0.5, 1, 1]);
  });

  it('ends at (1, 1) and starts at (0, 0) on any data', () => {
    const curve = roc([0.3, 0.1, 0.9, 0.9, 0.4], [0, 1, 1, 0, 0]);
    expect([curve.fpr[0], curve.tpr[0]]).toEqual([0, 0]);
    expect([curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([1, 1]);
    expect(curve.thresholds.at(-1)).toBe(0.1);
  });
});

describe('localisation metrics', () => {
  // Two 2x2 anomalous images and one normal one, maps and masks back to back.
  const labels = [1, 1, 0];
  const maps = new Float32Array([0.9, 0.8, 0.1, 0.2, /* */ 0.7, 0.1, 0.2, 0.5, /* */ 0.1, 0.2, 0.3, 0.6]);
  const masks = new Float32Array([1, 0, 1, 0, /* */ 1, 0, 0, 0, /* */ 0, 0, 0, 0]);

  it('IoU: per image over anomalous images, and pooled over all pixels', () => {
    // Image 1: predicted {0, 1}, true {0, 2}: 1/3. Image 2: 0.5 is not > 0.5, so predicted {0} = true {0}: 1.
    // Image 3 (normal): a false alarm at pixel 3, counted by the pooled IoU only: (1 + 1 + 0) / (3 + 1 + 1).
    const { perImage, dataset } = iou(maps, masks, labels);
    expect(perImage).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(dataset).toBeCloseTo(2 / 5, 12);
  });

  it('IoU leaves out anomalous images without a mask', () => {
    const noMask = new Float32Array(masks);
    noMask.fill(0, 4, 8);
    expect(iou(maps, noMask, labels).perImage).toBeCloseTo(1 / 3, 12);
  });

  it('pixel AUROC on a tiny map', () => {
    // Positives 0.9, 0.1, 0.7 against 9 negatives 0.8 0.2 0.1 0.2 0.5 0.1 0.2 0.3 0.6:
    // 0.9 beats all 9; 0.7 beats all but 0.8: 8; 0.1 ties the two 0.1s: 2 halves. (9 + 8 + 1) / 27.
    const m = evaluateCategory('tiny', { scores: [0.3, 0.2, 0.1], labels, maps, masks });
    expect(m.pixelAuroc).toBeCloseTo(18 / 27, 12);
  });
});

describe('detection accuracy', () => {
  it('normalises scores over the test set and averages the two classes', () => {
    // Normalised [0, 0.1, 0.2, 1]: predictions [0, 0, 0, 1]; normal 2/2, anomalous 1/2.
    expect(detectionAccuracy([0, 1, 2, 10], [0, 0, 1, 1])).toBe(0.75);
    expect(detectionAccuracy([5, 6, 7, 8, 9], [0, 0, 0, 1, 1])).toBe(1);
    // A score of exactly 0.5 after normalisation counts as normal.
    expect(detectionAccuracy([0, 1, 2], [0, 1, 1])).toBe(0.75);
  });

  it('calls everything normal when all scores are equal, and is NaN with one class', () => {
    expect(detectionAccuracy([4, 4, 4, 4], [0, 1, 0, 1])).toBe(0.5);
    expect(detectionAccuracy([1, 2], [0, 0])).toBeNaN();
  });
});

describe('evaluateCategory and the tables', () => {
  const a = evaluateCategory('bottle', {
    scores: [0.1, 0.4, 0.35, 0.8],
    labels: [0, 0, 1, 1],
    maps: new Float32Array([0, 0, 0.9, 0, 0.9, 0, 0, 0.9]),
    masks: new Float32Array([0, 0, 0, 0, 1, 0, 0, 1]),
  });
  const b = evaluateCategory('digits', { scores: [0.2, 0.9], labels: [0, 1] });

  it('returns every metric', () => {
    expect(a).toEqual({
      category: 'bottle',
      images: 4,
      anomalous: 2,
      imageAuroc: 0.75,
      // Positives 0.9, 0.9 against negatives 0, 0, 0.9, 0, 0, 0: each positive beats 5 and ties 1.
      pixelAuroc: 11 / 12,
      iou: 1,
      iouDataset: 2 / 3,
      // Normalised [0, 0.43, 0.36, 1]: normal 2/2, anomalous 1/2.
      detectionAccuracy: 0.75,
    });
    expect(b.pixelAuroc).toBeNaN();
    expect(b.iou).toBeNaN();
  });

  it('rejects maps that do not match the images', () => {
    const input = { scores: [0.1, 0.2], labels: [0, 1], maps: new Float32Array(5), masks: new Float32Array(5) };
    expect(() => evaluateCategory('x', input)).toThrow(/5 map pixels and 5 mask pixels for 2 images/);
  });

  it('averages over the categories where a metric is defined', () => {
    const mean = meanMetrics([a, b]);
    expect(mean.imageAuroc).toBeCloseTo((0.75 + 1) / 2, 12);
    expect(mean.pixelAuroc).toBeCloseTo(11 / 12, 12);
    expect(mean.detectionAccuracy).toBeCloseTo((0.75 + 1) / 2, 12);
    expect([mean.category, mean.images, mean.anomalous]).toEqual(['mean', 6, 3]);
  });

  it('writes JSON (undefined metrics as null) and a markdown table with the mean row', () => {
    const report = metricsReport([a, b]);
    const json = JSON.parse(metricsJson(report));
    expect(json.categories[1].pixelAuroc).toBeNull();
    expect(json.mean.imageAuroc).toBeCloseTo(0.875, 12);
    const lines = metricsMarkdown(report).trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      '| category | images | anomalous | image AUROC | pixel AUROC | IoU | IoU (pooled) | detection acc. |',
    );
    expect(lines[2]).toBe('| bottle | 4 | 2 | 0.750 | 0.917 | 1.000 | 0.667 | 0.750 |');
    expect(lines[3]).toContain('| digits | 2 | 1 | 1.000 | n/a | n/a |');
    expect(lines[4]).toMatch(/^\| \*\*mean\*\* \| \*\*6\*\* \| \*\*3\*\* \| \*\*0\.875\*\* \|/);
  });

  it("adds the paper's protocol as a second table and a second JSON report", () => {
    const report = metricsReport([a, b], { title: PAPER_PROTOCOL_TITLE, categories: [b, a] });
    expect(
      JSON.parse(metricsJson(report)).paperProtocol.categories.map((c: { category: string }) => c.category),
    ).toEqual(['digits', 'bottle']);
    const lines = metricsMarkdown(report).trim().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[6]).toMatch(/^The paper's test protocol on the same models .*:$/);
    expect(lines[11]).toBe('| bottle | 4 | 2 | 0.750 | 0.917 | 1.000 | 0.667 | 0.750 |');
  });
});

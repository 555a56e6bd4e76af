// ROC curve and AUROC for scores that may number in the millions (every pixel of a test set) and may tie. Positives and
// negatives are copied into two typed arrays and sorted natively (numeric, O(n log n), no comparator calls), then merged
// from the highest score down one group of equal scores at a time, so ties become a single ROC step: the trapezoid over
// that step counts each tied positive/negative pair as half a win, which equals the Mann-Whitney average-rank AUROC.

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[i] gives (fpr[i], tpr[i]) when "score >= threshold" means positive; thresholds[0] is +Infinity. */
  thresholds: number[];
}

/** A label counts as positive when > 0.5, so 0/1 labels and masks in [0, 1] (resized, possibly blurred) both work. */
function split(scores: ArrayLike<number>, labels: ArrayLike<number>): { pos: Float64Array; neg: Float64Array } {
  if (scores.length !== labels.length) {
    throw new Error(`roc: ${scores.length} scores but ${labels.length} labels`);
  }
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0.5) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(labels.length - nPos);
  let p = 0;
  let q = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    // A NaN would sort arbitrarily and silently corrupt the curve.
    if (Number.isNaN(s)) throw new Error(`roc: score ${i} is NaN`);
    if (labels[i] > 0.5) pos[p++] = s;
    else neg[q++] = s;
  }
  return { pos: pos.sort(), neg: neg.sort() };
}

/**
 * Walks the groups of equal scores from the highest down, calling visit(threshold, tp, fp) after each whole group
 * (tp / fp: positives / negatives scored >= threshold).
 */
function walk(pos: Float64Array, neg: Float64Array, visit: (threshold: number, tp: number, fp: number) => void): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? pos[i] : -Infinity, j >= 0 ? neg[j] : -Infinity);
    while (i >= 0 && pos[i] === t) i--;
    while (j >= 0 && neg[j] === t) j--;
    visit(t, pos.length - 1 - i, neg.length - 1 - j);
  }
}

/** The ROC curve from (0, 0) to (1, 1), one point per distinct score. Rates are NaN when a class is absent. */
export function roc(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const { pos, neg } = split(scores, labels);
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  walk(pos, neg, (t, tp, fp) => {
    curve.fpr.push(fp / neg.length);
    curve.tpr.push(tp / pos.length);
    curve.thresholds.push(t);
  });
  return curve;
}

/** Area under the ROC curve with ties counted as half; NaN when either class is absent (the area is undefined). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { pos, neg } = split(scores, labels);
  if (pos.length === 0 || neg.length === 0) return NaN;
  // Integrate in counts, not rates, so the sum stays exact up to 2^53 and is divided once at the end.
  let area = 0;
  let tpBefore = 0;
  let fpBefore = 0;
  walk(pos, neg, (_t, tp, fp) => {
    area += (fp - fpBefore) * (tpBefore + tp) * 0.5;
    tpBefore = tp;
    fpBefore = fp;
  });
  return area / (pos.length * neg.length);
}

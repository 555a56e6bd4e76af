// AUROC the slow, obvious way, to check the metrics against: Mann-Whitney by brute force over all positive/negative
// pairs, ties counting half.

/** Labels above 0.5 are positive. */
export function pairwiseAuroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!(labels[i] > 0.5)) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] > 0.5) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

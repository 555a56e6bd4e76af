// Test-time analysis (cavga-spec.md, "Test protocol"): the image score is mean |x - x_hat| with z = mu; the localisation
// map, up-sampled to the input, is 1 - A for unsupervised CAVGA, A_a for the weakly supervised one, |A| for ADVAE, and the
// reconstruction error or 1 - SSIM for the autoencoder baselines.

import { abs, addScalar, detach, div, max, mean, rsubScalar, slice, sub, sum } from '../autograd/ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { tidy } from '../tensor/memory.ts';
import { gradCam, latentScore, upsampleAttention } from './gradcam.ts';
import type { Cavga } from './models/cavga.ts';
import { ssimMap } from './ssim.ts';

export interface Analysis {
  reconstruction: Tensor; // [n, c, s, s]
  score: Tensor; // [n]: mean |x - x_hat| per image
  map: Tensor; // [n, 1, s, s] in [0, 1]: higher is more anomalous
  attention: Tensor | null; // [n, 1, s, s]: the Grad-CAM attention behind the map, where there is one
}

/** Scales each image's map to [0, 1] by its maximum (maps already in [0, 1] stay as they are when their max is 1). */
function perImageMax(map: Tensor): Tensor {
  return div(map, addScalar(max(map, [1, 2, 3], true), 1e-8));
}

/** Runs the model in eval mode on images [n, c, s, s] in [-1, 1]. */
export function analyze(model: Cavga, images: Tensor): Analysis {
  model.eval();
  const c = model.config;
  return tidy(() => {
    const { features, mu } = model.encode(images);
    const reconstruction = noGrad(() => model.decode(detach(mu)));
    const error = noGrad(() => abs(sub(images, reconstruction)));
    const score = noGrad(() => mean(error, [1, 2, 3]));
    let attention: Tensor | null = null;
    let map: Tensor;
    if (c.anomalyMap === 'attention' || c.anomalyMap === 'attention-abs') {
      // Grad-CAM needs the graph from F to the score, so the encoder ran with recording on.
      const target = c.supervision === 'weakly' ? sum(slice(model.classify(mu), 1, 1, 2)) : latentScore(mu, c.gradCamScore);
      const cam = gradCam(features, target, { normalize: c.attentionNorm, absolute: c.anomalyMap === 'attention-abs' });
      attention = detach(upsampleAttention(cam.attention, c.imageSize));
      map = c.supervision === 'weakly' || c.anomalyMap === 'attention-abs' ? attention : rsubScalar(attention, 1);
    } else if (c.anomalyMap === 'ssim') {
      map = noGrad(() => perImageMax(rsubScalar(mean(ssimMap(images, reconstruction), 1, true), 1)));
    } else {
      map = noGrad(() => perImageMax(mean(error, 1, true)));
    }
    return { reconstruction, score, map: detach(map), attention };
  });
}

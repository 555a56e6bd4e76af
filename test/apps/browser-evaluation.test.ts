// The browser bundle evaluates a detector on a dataset it is given: images, labels and masks decoded in memory, as a page
// holds them. The bundle (dist/browser/cavga-webgpu.js) is imported here in Node and runs on the float64 reference
// backend (it has no WebGPU without navigator.gpu); its calibration, metrics and pictures must equal those of the
// library's sources on the same data, to the bit, and the metrics must be those of its own scores.

import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBrowser } from '../../scripts/build.ts';
import * as source from '../../src/browser.ts';
import { SIZE, squareDefects } from '../helpers/square-defects.ts';
import { pairwiseAuroc } from '../helpers/pairwise-auroc.ts';

type Library = typeof source;
let bundle: Library;

beforeAll(async () => {
  const dist = await buildBrowser();
  bundle = (await import(pathToFileURL(join(dist, 'browser/cavga-webgpu.js')).href)) as Library;
});

/** What a page does: datasets from decoded images, a CAVGA-Du, calibration on the normal images, one evaluation. */
async function evaluateInPage(lib: Library) {
  const { train, test } = squareDefects(6, 4, 4);
  const p = { size: SIZE, channels: 3 as const };
  const trainSet = lib.Dataset.load(train, p, 'training images');
  const testSet = lib.Dataset.load(test, p, 'test images');
  const detector = lib.createDetector(
    'cavga-du',
    { imageSize: SIZE, channels: 3, seed: 4 },
    { width: 2, 'latent-channels': 2 },
  );
  const calibrated = detector.needsCalibration ? await lib.calibrateOn(detector, trainSet) : 0;
  const evaluation = await lib.evaluateDetector(detector, testSet, 'squares');
  const scores = await detector.analyze(lib.toBatch(testSet.batch([...testSet.labels.keys()])).images).score.data();
  return { device: lib.getBackend().name, calibrated, evaluation, scores: Array.from(scores) };
}

/** What a page does with a baseline: fit it on the normal images, calibrate where it needs to, evaluate. */
async function baselineInPage(lib: Library, name: string) {
  const { train, test } = squareDefects(6, 4, 4);
  const p = { size: SIZE, channels: 3 as const };
  const detector = lib.createDetector(
    name,
    { imageSize: SIZE, channels: 3, seed: 4 },
    name === 'pca' ? { components: 3 } : {},
  );
  if (detector.training !== 'one-pass') throw new Error(`${name} fits in one pass`);
  return lib.fitAndEvaluate(
    detector,
    lib.Dataset.load(train, p, 'training images'),
    lib.Dataset.load(test, p, 'test images'),
    'squares',
  );
}

describe('evaluation in the browser bundle', () => {
  it("fits and evaluates the baselines on in-memory images like the library's sources", async () => {
    expect(bundle.BASELINES).toEqual(['pixel-gaussian', 'pca']);
    for (const name of bundle.BASELINES) {
      const inBundle = await baselineInPage(bundle, name);
      expect(inBundle).toMatchObject({ category: 'squares', images: 8, anomalous: 4, imageAuroc: 1 });
      expect(inBundle).toEqual(await baselineInPage(source, name));
    }
  });

  it("calibrates and evaluates on in-memory images and masks like the library's sources", async () => {
    const inBundle = await evaluateInPage(bundle);
    const fromSource = await evaluateInPage(source);
    expect(inBundle.device).toBe('cpu');
    expect(inBundle.calibrated).toBe(6);
    const { metrics, paperProtocol, pictures } = inBundle.evaluation;
    expect(metrics).toMatchObject({ category: 'squares', images: 8, anomalous: 4 });
    expect(metrics.imageAuroc).toBe(pairwiseAuroc(inBundle.scores, [0, 0, 0, 0, 1, 1, 1, 1]));
    expect(Number.isFinite(metrics.pixelAuroc)).toBe(true);
    expect(paperProtocol?.title).toMatch(/^The paper's test protocol/);
    expect(pictures).toHaveLength(8);
    expect(inBundle.evaluation).toEqual(fromSource.evaluation);
    expect(inBundle.scores).toEqual(fromSource.scores);
  });
});

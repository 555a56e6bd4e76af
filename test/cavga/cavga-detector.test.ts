// CAVGA through the Detector interface and the registry (src/detectors.ts): the config its settings give, calibration
// that training and other scorings make stale, the paper's protocol as the second table, evaluation, and checkpoints
// that come back as the same detector.

import { beforeAll, describe, expect, it } from 'vitest';
import { toBatch } from '../../src/anomaly/batch.ts';
import { Dataset } from '../../src/anomaly/data/dataset.ts';
import { detectorCheckpoint } from '../../src/anomaly/detector.ts';
import { calibrateOn, evaluateDetector } from '../../src/anomaly/evaluate.ts';
import { paperScoring, presetConfig, shortTraining, modelPresets } from '../../src/cavga/config.ts';
import { CavgaDetector, PAPER_PROTOCOL_TITLE } from '../../src/cavga/detector.ts';
import { analyze } from '../../src/cavga/inference.ts';
import { BASELINES, createDetector, DETECTORS, detectorFromCheckpoint, everySetting } from '../../src/detectors.ts';
import { checkpointContents } from '../../src/nn/checkpoint-state.ts';
import { decodeSafetensors, encodeSafetensors, type TensorValues } from '../../src/nn/safetensors-format.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { withDevice } from '../../src/devices.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';
import { SIZE, squareDefects } from '../helpers/square-defects.ts';
import { pairwiseAuroc } from '../helpers/pairwise-auroc.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const samples = squareDefects(6, 4, 4);
const p = { size: SIZE, channels: 3 as const };
const input = { imageSize: SIZE, channels: 3 as const, seed: 2 };
const tiny = { width: 2, 'latent-channels': 2 };

describe('the registry', () => {
  it('names the CAVGA presets; every one takes the same settings and test-time settings', () => {
    expect(Object.keys(DETECTORS)).toEqual([...Object.keys(modelPresets), ...BASELINES]);
    expect(Object.keys(everySetting((k) => k.scoringSettings))).toEqual([
      'anomaly-map',
      'image-score',
      'error-smoothing',
      'attention-exponent',
      'standardize',
    ]);
    for (const name of Object.keys(modelPresets)) expect(DETECTORS[name].settings).toBe(DETECTORS['cavga-du'].settings);
    // The baselines add their own (PCA's component count) to the options every model's settings make.
    expect(everySetting((k) => k.settings)).toEqual({ ...DETECTORS['cavga-du'].settings, ...DETECTORS.pca.settings });
    expect(() => createDetector('nope', input)).toThrow(/unknown model 'nope'; choose one of cavga-du, /);
  });

  it("settings give cavga train's config: the paper's preset with shortTraining for CAVGA, the papers' scoring for the baselines", () => {
    const du = DETECTORS['cavga-du'].configure(input, tiny);
    expect(du.config).toEqual({
      cavga: presetConfig('cavga-du', { ...shortTraining, imageSize: SIZE, width: 2, latentChannels: 2 }),
      seed: 2,
    });
    expect([du.imageSize, du.channels, du.supervision, du.seed]).toEqual([SIZE, 3, 'unsupervised', 2]);
    expect(DETECTORS['cavga-dw'].configure(input, {}).supervision).toBe('weakly');
    const ae = DETECTORS['ae-l2'].configure(input, { 'w-kl': 0.5 }).config as CavgaDetector['config'];
    expect([ae.cavga.anomalyMap, ae.cavga.imageScore, ae.cavga.standardize, ae.cavga.weights.kl]).toEqual([
      'error',
      'mean-error',
      false,
      0.5,
    ]);
    expect(() => DETECTORS['cavga-du'].configure({ ...input, imageSize: 20 }, {})).toThrow(/multiple of 16/);
  });
});

describe('CavgaDetector', () => {
  it('calibrates where its scoring needs it; training and another scoring make the calibration stale', async () => {
    await withDevice(gpu, async () => {
      const train = Dataset.load(samples.train, p, 'training set');
      const test = Dataset.load(samples.test, p, 'test set');
      const detector = createDetector('cavga-du', input, tiny) as CavgaDetector;
      const images = () => toBatch(test.batch([0, 4, 5])).images;
      expect(detector.needsCalibration).toBe(true); // cavga train's scoring is standardised
      expect(() => detector.analyze(images())).toThrow(/needs the model calibrated/);
      expect(await calibrateOn(detector, train)).toBe(6);
      expect(detector.needsCalibration).toBe(false);
      expectClose(
        await detector.analyze(images()).map.data(),
        await analyze(detector.model, images()).map.data(),
        0,
        0,
        "the model's own scoring",
      );

      detector.setScoring({ 'error-smoothing': 0 });
      expect(detector.needsCalibration).toBe(true); // the statistics are of the map smoothed by the default sigma
      detector.setScoring({ 'error-smoothing': shortTraining.errorSmoothing });
      expect(detector.needsCalibration).toBe(false);
      expect(() => detector.setScoring({ 'anomaly-map': 'attention', 'image-score': 'map-max' })).toThrow(
        /'map-max' needs an anomaly map that keeps the error's scale/,
      );
      expect(detector.scoring).toEqual({
        anomalyMap: 'error',
        imageScore: 'map-max',
        errorSmoothing: shortTraining.errorSmoothing,
        attentionExponent: 1,
        standardize: true,
      });

      const losses = detector.step(toBatch(train.batch([0, 1, 2]), false));
      Object.values(losses).forEach((t) => t.dispose());
      expect(detector.needsCalibration).toBe(true);

      detector.setScoring({ 'anomaly-map': 'attention' });
      expect(detector.scoring).toMatchObject({ anomalyMap: 'attention', imageScore: 'mean-error', standardize: false });
      expect([detector.needsCalibration, detector.paperProtocol]).toEqual([false, null]);
    });
  });

  it("evaluates with the paper's protocol as the second table; a checkpoint comes back as the same detector", async () => {
    await withDevice(gpu, async () => {
      const train = Dataset.load(samples.train, p, 'training set');
      const test = Dataset.load(samples.test, p, 'test set');
      const detector = createDetector('cavga-du', input, tiny) as CavgaDetector;
      await calibrateOn(detector, train);
      const evaluation = await evaluateDetector(detector, test, 'squares');
      const all = toBatch(test.batch([...test.labels.keys()])).images;
      const own = analyze(detector.model, all);
      const paper = analyze(detector.model, all, paperScoring(detector.config.cavga));
      const auroc = (scores: ArrayLike<number>) => pairwiseAuroc(scores, test.labels);
      expect(evaluation.metrics.imageAuroc).toBe(auroc(await own.score.data()));
      expect(evaluation.paperProtocol!.title).toBe(PAPER_PROTOCOL_TITLE);
      expect(evaluation.paperProtocol!.metrics.imageAuroc).toBe(auroc(await paper.score.data()));
      expect(evaluation.pictures.every((s) => s.reconstruction && s.attention)).toBe(true);

      const { tensors, metadata } = checkpointContents(detectorCheckpoint(detector, 7));
      const values: Record<string, TensorValues> = {};
      for (const [name, t] of Object.entries(tensors))
        values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
      const loaded = detectorFromCheckpoint(
        decodeSafetensors(encodeSafetensors(values, metadata), 'du.safetensors'),
        'du.safetensors',
      );
      expect(loaded.step).toBe(7);
      expect(loaded.kind.reads(detector.config)).toBe(true);
      expect(loaded.detector.config).toEqual(detector.config);
      expect(loaded.detector.needsCalibration).toBe(false);
      expectClose(await loaded.detector.analyze(all).map.data(), await own.map.data(), 0, 0, 'map after reload');
    });
  });
});

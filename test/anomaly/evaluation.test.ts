// The evaluation, the pictures and checkpoints of a detector that is not CAVGA (a one-pass mean-image detector, test
// helper), on a dataset built in memory with masks the way a browser page builds one: every number is computed again
// here in float64 from the images, and the evaluation must match it.

import { beforeAll, describe, expect, it } from 'vitest';
import { trainingData } from '../../src/anomaly/batch.ts';
import { Dataset } from '../../src/anomaly/data/dataset.ts';
import { DataError } from '../../src/anomaly/data/errors.ts';
import { detectorCheckpoint } from '../../src/anomaly/detector.ts';
import { calibrateOn, evaluateDetector } from '../../src/anomaly/evaluate.ts';
import { sampleGrid } from '../../src/anomaly/report/image-grid.ts';
import { detectorFromCheckpoint } from '../../src/detectors.ts';
import { checkpointContents } from '../../src/nn/checkpoint-state.ts';
import { decodeSafetensors, encodeSafetensors, type TensorValues } from '../../src/nn/safetensors-format.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { withDevice } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';
import { meanImageKind, MeanImageDetector } from '../helpers/mean-image-detector.ts';
import { SIZE, SQUARE, squareDefects } from '../helpers/square-defects.ts';
import { pairwiseAuroc } from '../helpers/pairwise-auroc.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const samples = squareDefects(6, 5, 5);
const p = { size: SIZE, channels: 3 as const };
const plane = SIZE * SIZE;

/** The mean-image detector's maps and scores from its definition, in float64, on the datasets' pre-processed pixels. */
function expected(train: Dataset, test: Dataset) {
  const per = 3 * plane;
  const trainImages = train.batch([...train.labels.keys()]).images;
  const meanImage = new Float64Array(per);
  for (let k = 0; k < train.count; k++)
    for (let i = 0; i < per; i++) meanImage[i] += trainImages[k * per + i] / train.count;
  const testImages = test.batch([...test.labels.keys()]).images;
  const maps = new Float64Array(test.count * plane);
  for (let k = 0; k < test.count; k++)
    for (let c = 0; c < 3; c++)
      for (let q = 0; q < plane; q++)
        maps[k * plane + q] += Math.abs(testImages[k * per + c * plane + q] - meanImage[c * plane + q]) / 6;
  const scores = Array.from({ length: test.count }, (_, k) => Math.max(...maps.subarray(k * plane, (k + 1) * plane)));
  return { meanImage, maps, scores };
}

describe('a dataset built in memory', () => {
  it('keeps decoded images and masks; a sample without pixels is refused by name', () => {
    const test = Dataset.load(samples.test, p, 'test set');
    expect([test.count, test.hasMasks]).toEqual([10, true]);
    const masks = test.batch([0, 5]).masks!;
    expect(masks.subarray(0, plane).every((v) => v === 0)).toBe(true);
    expect(masks.subarray(plane).reduce((a, b) => a + b, 0)).toBe(SQUARE * SQUARE);
    expect(() => Dataset.load([{ path: 'page/photo-3', label: 0, defect: 'good' }], p, 'set')).toThrow(
      /page\/photo-3: no decoded image/,
    );
  });
});

describe('evaluating a detector that is not CAVGA', () => {
  it('scores, maps, metrics, ROC and pictures match the definition computed again in float64', async () => {
    await withDevice(gpu, async () => {
      const train = Dataset.load(samples.train, p, 'training set');
      const test = Dataset.load(samples.test, p, 'test set');
      const spec = meanImageKind.configure({ ...p, imageSize: SIZE, seed: 0 }, {});
      const detector = meanImageKind.create(spec.config) as MeanImageDetector;
      expect(detector.needsCalibration).toBe(false);
      await expect(calibrateOn(detector, train)).rejects.toThrow(/this detector has no calibration/);
      await detector.fit(trainingData(train, false));
      const want = expected(train, test);
      expectClose(await detector.module.image.data(), want.meanImage, 1e-6, 1e-6, 'fitted mean image');

      const evaluation = await evaluateDetector(detector, test, 'squares', 3);
      // Every anomalous image has a bright square, so its score is above every normal one.
      expect(pairwiseAuroc(want.scores, test.labels)).toBe(1);
      expect(evaluation.metrics.imageAuroc).toBe(1);
      expect(evaluation.metrics.pixelAuroc).toBeCloseTo(
        pairwiseAuroc(want.maps, test.batch([...test.labels.keys()]).masks!),
        3,
      );
      expect([evaluation.metrics.images, evaluation.metrics.anomalous]).toEqual([10, 5]);
      expect(evaluation.roc).toMatchObject({ name: 'squares', auroc: 1 });
      expect(evaluation.paperProtocol).toBeUndefined();

      // 3 normal and 3 anomalous pictures, anomalous first by score; the mean image is the reconstruction.
      const { pictures } = evaluation;
      expect(pictures.map((s) => s.label)).toEqual([1, 1, 1, 0, 0, 0]);
      expect(pictures[0].score).toBeGreaterThanOrEqual(pictures[1].score);
      const anomalous = [5, 6, 7].sort((a, b) => want.scores[b] - want.scores[a]);
      expectClose(
        pictures.slice(0, 3).map((s) => s.score),
        anomalous.map((k) => want.scores[k]),
        1e-5,
        1e-6,
        'scores',
      );
      expectClose(
        pictures[0].map,
        want.maps.subarray(anomalous[0] * plane, (anomalous[0] + 1) * plane),
        1e-5,
        1e-6,
        'map',
      );
      expectClose(pictures[0].reconstruction!.data, want.meanImage, 1e-6, 1e-6, 'reconstruction');
      expect(pictures.every((s) => s.attention === null && s.mask && s.defect)).toBe(true);
      // Columns: input, reconstruction, heatmap, ground truth (no attention column: the detector has none).
      expect(sampleGrid(pictures).width).toBe(6 + 4 * (128 + 6));
    });
  });

  it('a checkpoint holds its state and config; the registry refuses a kind it does not know', async () => {
    await withDevice(gpu, async () => {
      const train = Dataset.load(samples.train, p, 'training set');
      const detector = meanImageKind.create(meanImageKind.configure({ ...p, imageSize: SIZE, seed: 3 }, {}).config);
      if (detector.training !== 'one-pass') throw new Error('the mean-image detector fits in one pass');
      await detector.fit(trainingData(train, false));
      const { tensors, metadata } = checkpointContents(detectorCheckpoint(detector, 1));
      const values: Record<string, TensorValues> = {};
      for (const [name, t] of Object.entries(tensors))
        values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
      const decoded = decodeSafetensors(encodeSafetensors(values, metadata), 'mean.safetensors');

      const restored = meanImageKind.fromCheckpoint(decoded, 'mean.safetensors');
      expect(restored.step).toBe(1);
      expect(restored.detector.config).toEqual({ detector: 'mean-image', imageSize: SIZE, channels: 3, seed: 3 });
      const x = tensor(Dataset.load(samples.test, p, 'test').batch([5, 6]).images, [2, 3, SIZE, SIZE]);
      expectClose(await restored.detector.analyze(x).map.data(), await detector.analyze(x).map.data(), 0, 0, 'map');

      expect(meanImageKind.reads(JSON.parse(metadata.config))).toBe(true);
      expect(() => detectorFromCheckpoint(decoded, 'mean.safetensors')).toThrow(DataError);
      expect(() => detectorFromCheckpoint(decoded, 'mean.safetensors')).toThrow(
        /mean\.safetensors: not a checkpoint of any detector of this project/,
      );
    });
  });
});

// `cavga train --preset` (and a dataset's default preset): the preset's values reach the detector a run builds, options
// given on the command line win, and a model that does not take a setting is not given it.

import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/args.ts';
import { applyPreset, trainOptions } from '../../src/cli/train.ts';
import { detectorKind } from '../../src/detectors.ts';
import type { CavgaDetector } from '../../src/cavga/detector.ts';
import '../../src/devices.ts';

/** The detector `cavga train ARGV` would build, and the preset it used. */
function detectorOf(argv: string[]) {
  const { values: v, given } = parseOptions('train', argv, trainOptions);
  const preset = applyPreset(v, given);
  const kind = detectorKind(v.model as string);
  const spec = kind.configure(
    { imageSize: v['image-size'] as number, channels: v.channels as 1 | 3, seed: v.seed as number },
    v,
  );
  return { preset, v, detector: kind.create(spec.config) };
}

describe('cavga train --preset', () => {
  it('--dataset mnist takes small-gray: the recipe reaches the model, its trainer and its scoring', () => {
    const { preset, v, detector } = detectorOf(['--dataset', 'mnist']);
    expect(preset).toBe('small-gray');
    expect([v.steps, v['batch-size']]).toEqual([400, 16]);
    const c = (detector as CavgaDetector).model.config;
    expect(c).toMatchObject({
      imageSize: 32,
      channels: 1,
      width: 16,
      latentChannels: 32,
      flatLatent: true,
      adversarialLoss: false,
      lr: 1e-3,
      lrSchedule: 'cosine',
      logvarBias: -6,
      imageScore: 'error-latent',
      anomalyMap: 'error',
      standardize: true,
    });
    expect(c.weights).toMatchObject({ kl: 0.01, attentionExpansion: 0.01 });
    expect((detector as CavgaDetector).model.latentCalibration).not.toBeNull();
    expect(detector.needsCalibration).toBe(true);
  });

  it('options given win over the preset; --preset none and other datasets keep the defaults', () => {
    const given = detectorOf(['--dataset', 'mnist', '--steps', '7', '--flat-latent', 'no', '--image-score', 'map-max']);
    expect(given.v.steps).toBe(7);
    expect((given.detector as CavgaDetector).model.config).toMatchObject({ flatLatent: false, imageScore: 'map-max' });
    for (const argv of [
      ['--dataset', 'mnist', '--preset', 'none'],
      ['--dataset', 'builtin'],
    ]) {
      const plain = detectorOf(argv);
      expect(plain.preset).toBe('none');
      expect((plain.detector as CavgaDetector).model.config).toMatchObject({
        imageSize: 64,
        flatLatent: false,
        adversarialLoss: false, // the built-in set's default has no discriminator either (docs/cavga.md)
        lrSchedule: 'constant',
      });
    }
    expect(detectorOf(['--dataset', 'builtin', '--preset', 'small-gray']).v['image-size']).toBe(32);
  });

  it('a baseline takes the preset image size and channels, not its CAVGA settings or steps', () => {
    const { v, detector } = detectorOf(['--dataset', 'mnist', '--model', 'pca']);
    expect([detector.imageSize, detector.channels]).toEqual([32, 1]);
    expect(v['flat-latent']).toBeUndefined();
    expect(v.steps).toBe(trainOptions.steps.default); // not the preset's 400
  });
});

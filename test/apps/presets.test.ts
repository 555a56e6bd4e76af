// `cavga train --preset`: a preset fills the options the command line does not give and leaves the given ones; every
// preset names only options of `cavga train`, with values they accept, and gives a config the default model takes.

import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/args.ts';
import { applyPreset, trainOptions } from '../../src/cli/train.ts';
import { PRESETS } from '../../src/cavga/settings.ts';
import { DETECTORS } from '../../src/detectors.ts';

const parse = (argv: string[]) => {
  const { values, given } = parseOptions('train', argv, trainOptions);
  applyPreset(values, given);
  return values;
};

describe('presets', () => {
  it('fill the options not given and keep the given ones', () => {
    const plain = parse([]);
    const objects = parse(['--preset', 'objects']);
    expect(objects.steps).toBe(PRESETS.objects.options.steps);
    expect(objects.steps).not.toBe(plain.steps);
    expect(objects['error-smoothing']).toBe(PRESETS.objects.options['error-smoothing']);
    expect(parse(['--preset', 'objects', '--steps', '7']).steps).toBe(7);
    expect(() => parse(['--preset', 'nope'])).toThrow(/--preset must be one of textures, objects, small-gray, none/);
  });

  for (const [name, preset] of Object.entries(PRESETS)) {
    it(`${name}: only options of cavga train, with values they accept, giving a CAVGA-Du config`, () => {
      for (const [option, value] of Object.entries(preset.options)) {
        const spec = trainOptions[option];
        expect(spec, option).toBeDefined();
        if (spec.choices) expect(spec.choices, option).toContain(value);
        if (spec.min !== undefined) expect(value as number, option).toBeGreaterThanOrEqual(spec.min);
      }
      const values = parse(['--preset', name]);
      const config = DETECTORS['cavga-du'].configure({ imageSize: 64, channels: 3, seed: 0 }, values).config as {
        cavga: { errorSmoothing: number; adversarialLoss: boolean };
      };
      expect(config.cavga.errorSmoothing).toBe(preset.options['error-smoothing']);
      expect(config.cavga.adversarialLoss).toBe(preset.options['w-adv'] !== 0);
    });
  }
});

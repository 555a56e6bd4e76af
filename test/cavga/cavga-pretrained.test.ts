// Optional initial weights from user files: torchvision's resnet18 names for CAVGA-R, the model's own names otherwise.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevice } from '../../src/devices.ts';
import { Generator } from '../../src/tensor/creation.ts';
import { encodeSafetensors, type TensorValues } from '../../src/nn/safetensors-format.ts';
import { Cavga, cavgaConfig, loadInitialWeights, loadResNet18Weights } from '../../src/cavga/index.ts';
import { ResNet18Encoder } from '../../src/cavga/models/resnet.ts';

const dir = mkdtempSync(join(tmpdir(), 'pretrained-test-'));

/** A file laid out like torchvision's resnet18 state dict: another encoder's weights plus an fc head. */
async function torchvisionFile(): Promise<{ path: string; values: Record<string, TensorValues> }> {
  const source = new ResNet18Encoder(3, new Generator(42));
  const values: Record<string, TensorValues> = {};
  for (const [name, t] of Object.entries(source.stateDict()))
    values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
  values['fc.weight'] = { shape: [1000, 512], data: new Float32Array(512000).fill(0.01) };
  values['fc.bias'] = { shape: [1000], data: new Float32Array(1000) };
  const path = join(dir, 'resnet18.safetensors');
  writeFileSync(path, encodeSafetensors(values));
  return { path, values };
}

describe('pretrained weights', () => {
  it("torchvision resnet18 names load into CAVGA-R's encoder (fc ignored)", async () => {
    await withDevice('cpu', async () => {
      const { path, values } = await torchvisionFile();
      expect(Object.keys(values)).toContain('layer4.1.bn2.running_var');
      const model = new Cavga(
        cavgaConfig({ backbone: 'resnet18', imageSize: 32, width: 4, latentChannels: 4 }),
        new Generator(1),
      );
      const loaded = await loadResNet18Weights(model, path);
      expect(loaded).toContain('layer3.0.downsample.0.weight');
      const own = model.encoder.stateDict();
      expect(Array.from(await own['layer2.1.conv2.weight'].data())).toEqual(
        Array.from(values['layer2.1.conv2.weight'].data),
      );
    });
  });

  it('grayscale models get the stem filters summed over RGB', async () => {
    await withDevice('cpu', async () => {
      const { path, values } = await torchvisionFile();
      const model = new Cavga(
        cavgaConfig({ backbone: 'resnet18', channels: 1, imageSize: 32, width: 4, latentChannels: 4 }),
        new Generator(1),
      );
      await loadResNet18Weights(model, path);
      const stem = await model.encoder.stateDict()['conv1.weight'].data();
      const rgb = values['conv1.weight'].data;
      expect(stem[0]).toBeCloseTo(rgb[0] + rgb[49] + rgb[98], 6);
    });
  });

  it("a DC-GAN subset with the model's own names loads; a wrong shape is refused naming the tensor", async () => {
    await withDevice('cpu', async () => {
      const config = cavgaConfig({ imageSize: 32, width: 4, latentChannels: 4 });
      const donor = new Cavga(config, new Generator(7));
      const weight = donor.stateDict()['encoder.body.0.weight'];
      const path = join(dir, 'dcgan.safetensors');
      writeFileSync(
        path,
        encodeSafetensors({
          'encoder.body.0.weight': { shape: weight.shape, data: Float32Array.from(await weight.data()) },
        }),
      );
      const model = new Cavga(config, new Generator(1));
      await loadInitialWeights(model, path);
      expect(Array.from(await model.stateDict()['encoder.body.0.weight'].data())).toEqual(
        Array.from(Float32Array.from(await weight.data())),
      );
      const wide = new Cavga(cavgaConfig({ imageSize: 32, width: 8, latentChannels: 4 }), new Generator(1));
      await expect(loadInitialWeights(wide, path)).rejects.toThrow(
        /encoder\.body\.0\.weight expects shape \[8, 3, 4, 4\], found \[4, 3, 4, 4\]/,
      );
    });
  });
});

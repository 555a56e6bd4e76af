// The cavga command end to end on a tiny built-in dataset: train, interrupt and resume (same result as uninterrupted),
// eval, infer, and bad input (one line naming the problem, exit 1, nothing overwritten).

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../../src/nn/safetensors-format.ts';
import { runCavga, spawnCavga } from '../helpers/cavga-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-cli-'));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const tiny = [
  '--categories',
  'weave',
  '--image-size',
  '16',
  '--width',
  '2',
  '--latent-channels',
  '2',
  '--batch-size',
  '4',
];

const cavga = (args: string[]) => runCavga(args, { env });

const checkpointValues = (path: string) => decodeSafetensors(readFileSync(path), path).tensors;

describe('cavga CLI', () => {
  it('train writes the run folder: checkpoint, config, per-step metrics, pictures, metrics tables, HTML report', () => {
    const out = join(work, 'run');
    const r = cavga(['train', ...tiny, '--steps', '6', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\| weave \| 80 \| 40 \|/);
    for (const f of [
      'config.json',
      'metrics.json',
      'metrics.md',
      'losses.png',
      'roc.png',
      'report.html',
      'weave/checkpoint.safetensors',
      'weave/samples.png',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const lines = readFileSync(join(out, 'weave/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(lines[0])).toEqual(
      expect.arrayContaining(['reconstruction', 'kl', 'adversarial', 'attentionExpansion', 'discriminator', 'total']),
    );
    // The paper's protocol on the same model, beside the run's own scoring.
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.paperProtocol.categories.map((c: { category: string }) => c.category)).toEqual(['weave']);
    expect(metrics.paperProtocol.categories[0].imageAuroc).not.toBe(metrics.categories[0].imageAuroc);
    expect(readFileSync(join(out, 'metrics.md'), 'utf8')).toMatch(
      /The paper's test protocol on the same models[^\n]*:\n\n\| category/,
    );
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<h3>The paper&#39;s test protocol/);
    expect(html).toMatch(/data:image\/png;base64/);
    expect(html).not.toMatch(/https?:/);

    const again = cavga(['train', ...tiny, '--steps', '6', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a run; pass --resume/);
    expect(again.err).not.toMatch(/\n\s+at /);
  });

  it('Ctrl-C saves a checkpoint; --resume continues to the same weights as an uninterrupted run', async () => {
    const straight = join(work, 'straight');
    expect(cavga(['train', ...tiny, '--steps', '30', '--out', straight]).code).toBe(0);

    const out = join(work, 'interrupted');
    const child = spawnCavga(['train', ...tiny, '--steps', '30', '--out', out], env);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const log = join(out, 'weave/metrics.jsonl');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 4) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output).toMatch(/stopped at step \d+ of weave; checkpoint saved/);

    const resumed = cavga(['train', ...tiny, '--steps', '30', '--out', out, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    const a = checkpointValues(join(straight, 'weave/checkpoint.safetensors'));
    const b = checkpointValues(join(out, 'weave/checkpoint.safetensors'));
    for (const name of Object.keys(a)) expect(Array.from(b[name].data), name).toEqual(Array.from(a[name].data));
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBe(30);

    // Settings other than the learning rate and the step count cannot change (cli-robust.test.ts changes those).
    const changed = cavga(['train', ...tiny, '--steps', '30', '--seed', '1', '--out', out, '--resume']);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/written with other settings: seed is 0 there, 1 now/);
  });

  it('eval and infer', () => {
    const checkpoint = join(work, 'run/weave/checkpoint.safetensors');
    const evalOut = join(work, 'eval');
    const e = cavga(['eval', '--checkpoint', checkpoint, '--categories', 'weave', '--out', evalOut]);
    expect(e.code, e.err).toBe(0);
    expect(existsSync(join(evalOut, 'report.html'))).toBe(true);
    // The checkpoint's own scoring, with the calibration it was saved with (nothing recalibrated).
    expect(readFileSync(join(evalOut, 'report.html'), 'utf8')).toMatch(
      /anomalyMap&#34;:&#34;error&#34;,&#34;imageScore&#34;:&#34;map-max&#34;,&#34;errorSmoothing&#34;:1,&#34;attentionExponent&#34;:1,&#34;standardize&#34;:true/,
    );
    expect(e.out).not.toMatch(/calibrated on/);
    // Other standardised scoring needs statistics of its own, from the category's training images.
    const sharp = cavga([
      'eval',
      '--checkpoint',
      checkpoint,
      '--categories',
      'weave',
      '--error-smoothing',
      '0',
      '--out',
      join(work, 'eval-sharp'),
    ]);
    expect(sharp.code, sharp.err).toBe(0);
    expect(sharp.out).toMatch(/weave: calibrated on 200 normal training images/);
    // The same checkpoint under the paper's protocol; the report says which was used.
    const paperOut = join(work, 'eval-paper');
    const p = cavga([
      'eval',
      '--checkpoint',
      checkpoint,
      '--categories',
      'weave',
      '--anomaly-map',
      'attention',
      '--out',
      paperOut,
    ]);
    expect(p.code, p.err).toBe(0);
    expect(readFileSync(join(paperOut, 'report.html'), 'utf8')).toMatch(
      /anomalyMap&#34;:&#34;attention&#34;,&#34;imageScore&#34;:&#34;mean-error/,
    );

    const images = join(env.XDG_CACHE_HOME, 'cavga-webgpu/builtin/weave/test/good');
    const heatmaps = join(work, 'heatmaps');
    const i = cavga([
      'infer',
      '--checkpoint',
      checkpoint,
      '--out',
      heatmaps,
      join(images, '000.png'),
      join(images, '001.png'),
    ]);
    expect(i.code, i.err).toBe(0);
    expect(i.out.trim().split('\n')).toHaveLength(3);
    expect(i.err).toMatch(/the most extreme of the 200 normal calibration images reached \d+\.\d\d \(heatmap 0\.5\)/);
    expect(existsSync(join(heatmaps, '000_heatmap.png'))).toBe(true);
  });

  it('bad input: one clear line naming the file or option, exit 1', () => {
    const notPng = join(work, 'not-a-png.png');
    writeFileSync(notPng, 'hello');
    const corrupt = join(work, 'corrupt.safetensors');
    writeFileSync(corrupt, new Uint8Array(5));
    const cases: [string[], RegExp][] = [
      [['train', '--dataset', 'mvtec', '--data', join(work, 'missing')], /missing/],
      [['train', '--steps', 'ten'], /--steps needs a whole number, got 'ten'/],
      [['train', '--model', 'nope'], /--model must be one of/],
      [['train', '--image-size', '20'], /multiple of 16/],
      [['infer', '--checkpoint', corrupt, notPng], /corrupt\.safetensors/],
      [['infer', '--checkpoint', join(work, 'run/weave/checkpoint.safetensors'), notPng], /not-a-png\.png/],
      [['eval', '--checkpoint', join(work, 'nothing.safetensors')], /nothing\.safetensors: no such checkpoint/],
      [
        [
          'eval',
          '--checkpoint',
          join(work, 'run/weave/checkpoint.safetensors'),
          '--anomaly-map',
          'attention',
          '--image-score',
          'map-max',
        ],
        /cavga eval: .*'map-max' needs an anomaly map that keeps the error's scale/,
      ],
      [
        [
          'eval',
          '--checkpoint',
          join(work, 'run/weave/checkpoint.safetensors'),
          '--anomaly-map',
          'attention',
          '--standardize',
          'yes',
        ],
        /cavga eval: .*standardize needs an anomaly map that keeps the error's scale .*got 'attention'/,
      ],
      [
        ['train', '--anomaly-map', 'attention-abs', '--image-score', 'map-max'],
        /cavga train: .*'attention-abs' is scaled to a maximum of 1/,
      ],
      [['train', '--anomaly-map', 'heat'], /--anomaly-map must be one of/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = cavga(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});

// Real-world runs through the cavga command: an MVTec AD root mixing colour and gray categories (as grid, screw and
// zipper are gray in MVTec AD) trains and evaluates end to end with --convert-channels; a run stopped by a non-finite
// loss continues from its last good checkpoint with a lower learning rate, recorded in config.json's history; damaged
// run records are refused on --resume with nothing written; infer streams many inputs and keeps same-named ones apart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSynthetic, readPng } from '../../src/anomaly/data/index.ts';
import { decodeSafetensors } from '../../src/nn/safetensors-format.ts';
import { expectRefusal, runCavga, tinyCheckpoint } from '../helpers/cavga-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-cli-robust-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const cavga = (args: string[]) => runCavga(args, { env });
const tiny = ['--image-size', '16', '--width', '2', '--latent-channels', '2', '--batch-size', '4'];
const counts = { train: 12, testGood: 4, testDefective: 4 };
const checkpointConfig = (path: string) =>
  JSON.parse(decodeSafetensors(readFileSync(path), path).metadata.config) as { cavga: { lr: number } };
const steps = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step as number);
/** Every file under a folder with its bytes: to show that a refused command changed nothing. */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name)).toString('base64')]),
  );

describe('an MVTec AD root with a colour and a gray category', () => {
  const root = join(work, 'mvtec');
  beforeAll(() => {
    // Built-in images in the MVTec AD layout: weave in colour, grain converted to gray.
    ensureSynthetic({ root, size: 16, channels: 3, categories: ['weave'], counts });
    ensureSynthetic({ root, size: 16, channels: 1, categories: ['grain'], counts });
    expect(readPng(join(root, 'grain/train/good/000.png')).channels).toBe(1);
  });

  it('is refused as a whole without --convert-channels, then trains and evaluates end to end with it', () => {
    const out = join(work, 'run-mixed');
    const data = ['--dataset', 'mvtec', '--data', root];
    expectRefusal(
      cavga(['train', ...data, ...tiny, '--steps', '2', '--out', out]),
      /cavga train: grain: 20 images with 1 channel .* but the model takes 3; pass --convert-channels to convert them, or --channels 1 for a gray model$/,
    );
    expect(() => readdirSync(out)).toThrow(); // nothing written

    const r = cavga(['train', ...data, ...tiny, '--steps', '2', '--convert-channels', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.categories.map((c: { category: string }) => c.category)).toEqual(['grain', 'weave']);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).convertChannels).toBe(true);

    // The gray category's model takes colour: evaluating it on its gray images converts them again, when asked.
    const grain = join(out, 'grain/checkpoint.safetensors');
    const evaluate = ['eval', '--checkpoint', grain, ...data, '--categories', 'grain', '--out', join(work, 'eval')];
    expectRefusal(cavga(evaluate), /grain: 20 images with 1 channel .* pass --convert-channels to convert them/);
    const e = cavga([...evaluate, '--convert-channels']);
    expect(e.code, e.err).toBe(0);
    // Its test split: the 8 test images less the validation quarter of the normal ones (anomaly/data/split.ts).
    expect(e.out).toMatch(/\| grain \| 7 \| 4 \|/);

    const gray = join(root, 'grain/test/good/000.png');
    const heatmaps = join(work, 'heatmaps-mixed');
    expectRefusal(
      cavga(['infer', '--checkpoint', grain, '--out', heatmaps, gray]),
      /input images: 1 image with 1 channel .* but the model takes 3; pass --convert-channels/,
    );
    const i = cavga(['infer', '--checkpoint', grain, '--out', heatmaps, '--convert-channels', gray]);
    expect(i.code, i.err).toBe(0);
    expect(readdirSync(heatmaps)).toEqual(['000_heatmap.png']);
  });
});

describe('a category that fails after others finished', () => {
  it("keeps the finished categories' results in the run's report", () => {
    // weave trains; zero's normal images are all the same, refused as its images load.
    const root = join(work, 'mvtec-partial');
    ensureSynthetic({ root, size: 16, channels: 3, categories: ['weave'], counts });
    const zero = join(root, 'zero');
    cpSync(join(root, 'weave'), zero, { recursive: true });
    const first = readFileSync(join(zero, 'train/good/000.png'));
    for (const name of readdirSync(join(zero, 'train/good'))) writeFileSync(join(zero, 'train/good', name), first);
    const out = join(work, 'run-partial');
    const r = cavga(['train', '--dataset', 'mvtec', '--data', root, ...tiny, '--steps', '2', '--out', out]);
    expectRefusal(r, /zero: its 12 normal training images are all the same/);
    expect(r.out).toMatch(/report of the finished categories \(weave\): .*report\.html/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.categories.map((c: { category: string }) => c.category)).toEqual(['weave']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/incomplete: weave/);
  });
});

describe('resuming', () => {
  const out = join(work, 'run');
  // Checkpoints at steps 4 and 8: a learning rate of 1e6 makes a loss non-finite within a few steps of 4.
  const args = ['train', '--categories', 'weave', ...tiny, '--checkpoint-every', '4', '--out', out];
  const log = join(out, 'weave/metrics.jsonl');
  const checkpoint = join(out, 'weave/checkpoint.safetensors');

  it('a non-finite loss stops at the last good checkpoint; --resume with a lower --lr continues from it', () => {
    expect(cavga([...args, '--steps', '4']).code).toBe(0);
    const diverged = cavga([...args, '--steps', '10', '--lr', '1e6', '--resume']);
    expectRefusal(
      diverged,
      /weave: the \w+ loss became non-finite at step [5-8]; stopped\. Continue from its last good checkpoint \(step 4\) with a lower learning rate: cavga train --resume --out .*run --lr 1e\+5 \(and the same other options\)$/,
    );
    expect(checkpointConfig(checkpoint).cavga.lr).toBe(0.001);

    const resumed = cavga([...args, '--lr', '1e-3', '--resume']); // --steps: the run's own, 10
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/resuming with cavga\.lr 1000000 -> 0\.001/);
    expect(steps(log)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(checkpointConfig(checkpoint).cavga.lr).toBe(0.001);
    const history = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).history;
    expect(history.map((h: { changed: object }) => h.changed)).toEqual([
      { 'cavga.lr': [0.001, 1e6], steps: [4, 10] },
      { 'cavga.lr': [1e6, 0.001] },
    ]);
    expect(history.map((h: { atStep: object }) => h.atStep)).toEqual([{ weave: 4 }, { weave: 4 }]);
  });

  it('refuses a truncated metrics.jsonl, a damaged config.json and fewer steps than done, changing nothing', () => {
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, text.slice(0, text.indexOf('"step":3')));
    const before = snapshot(out);
    const cases: [string[], RegExp][] = [
      [
        ['--resume'],
        /weave\/metrics\.jsonl: the log ends at step 2 but the checkpoint is at step 10; delete it to go on without the losses logged so far$/,
      ],
      [
        ['--resume', '--steps', '6'],
        /trained for 10 steps already, more than the 6 asked for; give --steps 10 or more/,
      ],
      [['--resume', '--seed', '2'], /config\.json was written with other settings: seed is 0 there, 2 now/],
    ];
    for (const [extra, message] of cases) expectRefusal(cavga([...args, ...extra]), message, extra.join(' '));
    writeFileSync(join(out, 'config.json'), '{"cavga": {"lr": 0.001');
    expectRefusal(
      cavga([...args, '--resume']),
      /config\.json: not a run's config \(.*\); restore it, or start a new run with another --out$/,
    );
    expect(snapshot(out)).toEqual({
      ...before,
      [join(out, 'config.json')]: Buffer.from('{"cavga": {"lr": 0.001').toString('base64'),
    });
  });
});

describe('infer', () => {
  it('streams 40 inputs in batches of 16, naming each heatmap by its path so same-named inputs do not collide', async () => {
    const checkpoint = join(work, 'tiny.safetensors');
    await tinyCheckpoint(checkpoint);
    // Twenty built-in images, copied into two folders under the same names.
    const inputs = join(work, 'inputs');
    const good = ensureSynthetic({
      root: inputs,
      size: 16,
      categories: ['tiles'],
      counts: { ...counts, train: 20 },
    }).tiles;
    const names = readdirSync(join(good, 'train/good'));
    const paths = ['a', 'b'].flatMap((folder) => {
      mkdirSync(join(inputs, folder));
      return names.map((name) => {
        writeFileSync(join(inputs, folder, name), readFileSync(join(good, 'train/good', name)));
        return join(inputs, folder, name);
      });
    });
    const out = join(work, 'heatmaps');
    const r = cavga(['infer', '--checkpoint', checkpoint, '--batch-size', '16', '--out', out, ...paths]);
    expect(r.code, r.err).toBe(0);
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toBe('score\theatmap\timage');
    expect(rows.slice(1).map((row) => row.split('\t')[2])).toEqual(paths);
    expect(rows.slice(1).map((row) => row.split('\t')[1])).toEqual(
      paths.map((p) => join(out, p.slice(inputs.length + 1).replace('.png', '_heatmap.png'))),
    );
    expect(readdirSync(join(out, 'a'))).toHaveLength(20);
    expect(readdirSync(join(out, 'b'))).toHaveLength(20);
    expect(r.err).toMatch(/infer 100% \[#+\] 40\/40/);
  });
});

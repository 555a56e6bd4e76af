// The browser build end to end: Debian's Chromium (headless, WebGPU on SwiftShader) opens the demo page, loads a checkpoint
// (file picker) and an image (drag and drop), and must give the score and anomaly map that Node (Dawn on lavapipe) gives for
// the same files through the CLI's functions; then it trains two steps on the built-in dataset with finite losses, and
// the page is saved as a screenshot. Also: a wrong file and a browser without WebGPU get clear messages, and the README's
// minimal page gives the same score.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { init } from '../../src/devices.ts';
import { toBatch } from '../../src/anomaly/batch.ts';
import { presetConfig } from '../../src/cavga/config.ts';
import { CavgaDetector } from '../../src/cavga/detector.ts';
import type { SavedConfig } from '../../src/cavga/saved-model.ts';
import { builtinTrainingData } from '../../src/anomaly/builtin-training.ts';
import { trainLoop } from '../../src/anomaly/train-loop.ts';
import { loadImageFiles, syntheticDefect, writePng } from '../../src/anomaly/data/index.ts';
import { loadDetector, saveDetector } from '../../src/cli/model-files.ts';
import { buildBrowser } from '../../scripts/build.ts';
import { serve } from '../../scripts/serve.ts';
import { launchChromium } from '../helpers/chromium.ts';

const work = mkdtempSync(join(tmpdir(), 'cavga-browser-'));
const checkpoint = join(work, 'model.safetensors');
const image = join(work, 'grain-defect.png');
const screenshot = join(work, 'demo.png');
let node: { score: number; map: Float32Array };
let dist: string;
let server: Server;
let url: string;
let browser: Browser;

/** Runs a page action and waits until the demo has finished it; returns the status line. */
async function demoAction(page: Page, act: () => Promise<unknown>): Promise<{ state: string; status: string }> {
  const before = await page.evaluate(() => window.cavgaDemo.actions);
  await act();
  await page.waitForFunction((n) => window.cavgaDemo.actions > n, before, { timeout: 90_000 });
  return page.evaluate(() => ({
    state: document.body.dataset.state!,
    status: document.getElementById('status')!.textContent!,
  }));
}

async function openDemo(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${url}demo/`);
  await page.waitForFunction(() => document.body.dataset.state !== 'starting', null, { timeout: 60_000 });
  const state = await page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status')!.textContent,
  }));
  expect(state.state, `the demo did not start: ${state.status}`).toBe('ready');
  expect(state.status).toMatch(/WebGPU ready/);
  return page;
}

beforeAll(async () => {
  // A fixed checkpoint (2 steps from seed 1, so weights, batch-norm statistics and optimiser state are all non-trivial,
  // with `cavga train`'s standardised scoring calibrated on the training images) and a fixed image (a built-in defect),
  // then the Node result through the same functions as `cavga infer`.
  await init();
  const scoring = { anomalyMap: 'error', errorSmoothing: 1, standardize: true, imageScore: 'map-max' } as const;
  const saved: SavedConfig = {
    cavga: presetConfig('cavga-du', { imageSize: 32, width: 4, latentChannels: 8, ...scoring }),
    seed: 1,
  };
  const trained = new CavgaDetector(saved);
  const data = builtinTrainingData(trained, { category: 'grain', count: 8, seed: 1 });
  await trainLoop({
    trainer: trained,
    data,
    batchSize: 4,
    steps: 2,
    seed: 1,
    checkpointEvery: 2,
    saveCheckpoint: async () => {},
  });
  await trained.calibrate([0, 4].map((start) => data.batch([start, start + 1, start + 2, start + 3]).images));
  await saveDetector(checkpoint, trained, 2);
  writePng(image, syntheticDefect(1, 'grain', 1, 32).image);
  const { detector } = await loadDetector(checkpoint);
  const batch = loadImageFiles([image], { size: 32, channels: 3 });
  const result = detector.analyze(toBatch(batch).images);
  node = { score: (await result.score.data())[0], map: Float32Array.from(await result.map.data()) };

  dist = await buildBrowser();
  ({ server, url } = await serve(dist));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('browser build in Chromium (WebGPU on SwiftShader)', () => {
  it('scores an image like Node, then trains two steps with finite losses; screenshot saved', async () => {
    const page = await openDemo();
    let done = await demoAction(page, () => page.setInputFiles('#checkpoint', checkpoint));
    expect(done.state, done.status).toBe('ready');
    // The image arrives by drag and drop (the checkpoint came through its file picker).
    const dropped = await page.evaluateHandle(
      (bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'grain-defect.png', { type: 'image/png' }));
        return transfer;
      },
      [...readFileSync(image)],
    );
    done = await demoAction(page, () => page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped }));
    expect(done.state, done.status).toBe('ready');
    const [browserResult] = await page.evaluate(() => window.cavgaDemo.results);
    expect(browserResult.map).toHaveLength(node.map.length);
    const scoreDiff = Math.abs(browserResult.score - node.score);
    const mapDiff = Math.max(...browserResult.map.map((v, i) => Math.abs(v - node.map[i])));
    console.log(
      `browser vs Node: score ${browserResult.score} vs ${node.score} (abs diff ${scoreDiff.toExponential(2)}), map max abs diff ${mapDiff.toExponential(2)}`,
    );
    // The same WGSL in float32 on two drivers (SwiftShader here, lavapipe in Node). Here they differ by float32 rounding
    // (score ~13 standard deviations, 3e-6 apart; map 3e-6); the bounds leave room for other drivers' rounding (fused
    // multiply-adds, another summation order in their compilers).
    expect(scoreDiff).toBeLessThan(1e-5 * Math.max(1, Math.abs(node.score)));
    expect(mapDiff).toBeLessThan(1e-4);
    expect(Math.max(...browserResult.map)).toBeGreaterThan(Math.min(...browserResult.map)); // a map, not a constant

    await page.selectOption('#category', 'grain');
    await page.fill('#steps', '2');
    await page.fill('#batch', '4');
    done = await demoAction(page, () => page.click('#train'));
    expect(done.state, done.status).toBe('ready');
    const losses = await page.evaluate(() => window.cavgaDemo.losses);
    expect(losses.map((l) => l.step)).toEqual([3, 4]); // continues the checkpoint's 2 steps
    for (const l of losses) expect(Number.isFinite(l.total), JSON.stringify(l)).toBe(true);
    // The page calibrated the trained model again and rescored the image with it.
    const [after] = await page.evaluate(() => window.cavgaDemo.results);
    expect(Number.isFinite(after.score) && after.score !== browserResult.score, String(after.score)).toBe(true);

    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    expect(statSync(screenshot).size).toBeGreaterThan(0);
  });

  it('says which file is wrong', async () => {
    const page = await openDemo();
    const done = await demoAction(page, () =>
      page.setInputFiles('#checkpoint', {
        name: 'notes.safetensors',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('not a checkpoint'),
      }),
    );
    expect(done.state).toBe('error');
    expect(done.status).toMatch(/notes\.safetensors/);
  });

  it("runs the README's minimal page", async () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const html = /## Use it in a browser[\s\S]*?```html\n([\s\S]*?)```/.exec(readme)![1];
    const site = join(work, 'readme-site');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), html);
    copyFileSync(join(dist, 'browser/cavga-webgpu.js'), join(site, 'cavga-webgpu.js'));
    copyFileSync(checkpoint, join(site, 'checkpoint.safetensors'));
    const other = await serve(site);
    try {
      const page = await browser.newPage();
      const logged = new Promise<string>((resolve) =>
        page.on('console', (m) => m.text().includes('score') && resolve(m.text())),
      );
      await page.goto(other.url);
      // The page sets its handler once WebGPU and the model are ready.
      await page.waitForFunction(() => document.getElementById('file')!.onchange !== null, null, { timeout: 60_000 });
      await page.setInputFiles('#file', image);
      const line = await logged;
      expect(line).toMatch(/^grain-defect\.png: score [\d.]+, map/);
      expect(Math.abs(Number(/score ([\d.]+)/.exec(line)![1]) - node.score)).toBeLessThan(1e-5);
    } finally {
      other.server.close();
    }
  });

  it('says so when the browser has no WebGPU', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    const page = await context.newPage();
    await page.goto(`${url}demo/`);
    await page.waitForFunction(() => document.body.dataset.state !== 'starting', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('no-webgpu');
    expect(await page.textContent('#status')).toMatch(/needs WebGPU/);
    await context.close();
  });
});

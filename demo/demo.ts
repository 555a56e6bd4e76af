// The demo page: load a checkpoint of any detector and images (file pickers or drag and drop), show each image's anomaly
// map and score (and its reconstruction and attention where the detector has them), and train a few steps on the
// built-in dataset with a live loss plot. Everything runs through the library's public API (the Detector interface), as
// an embedding page would use it.
//
// For tests and the console, `window.cavgaDemo` holds the last results and losses and counts finished actions, and
// <body data-state> says whether the page is 'starting', 'ready', 'busy', 'error' (the last action failed; the page still
// works) or 'no-webgpu'.

import {
  builtinTrainingData,
  checkpointContents,
  createDetector,
  decodeImageBlob,
  DETECTORS,
  detectorFromCheckpoint,
  formatAdapter,
  heatmapRaster,
  imageRaster,
  init,
  lossCurves,
  nn,
  overlayHeatmap,
  preprocess,
  stackImages,
  SYNTHETIC_CATEGORIES,
  tensor,
  trainLoop,
  type Image,
  type Raster,
  type SavedDetector,
  type SyntheticCategory,
  type Tensor,
  type TrainingData,
} from 'cavga-webgpu';

interface ImageResult {
  name: string;
  score: number;
  map: number[];
}

interface DemoState {
  results: ImageResult[];
  losses: Record<string, number>[];
  /** Actions finished (successfully or not), so a caller can wait for the one it started. */
  actions: number;
}

declare global {
  interface Window {
    cavgaDemo: DemoState;
  }
}

const demo: DemoState = { results: [], losses: [], actions: 0 };
window.cavgaDemo = demo;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const trainButton = $<HTMLButtonElement>('train');
let saved: SavedDetector | null = null;
let images: { name: string; image: Image }[] = [];

function setState(state: 'ready' | 'busy' | 'error' | 'no-webgpu', message: string): void {
  document.body.dataset.state = state;
  status.textContent = message;
  status.classList.toggle('error', state === 'error' || state === 'no-webgpu');
  trainButton.disabled = state === 'busy' || state === 'no-webgpu';
}

/** Runs one user action, showing its errors on the page; actions never overlap. */
async function action(busy: string, work: () => Promise<string>): Promise<void> {
  if (document.body.dataset.state === 'busy' || document.body.dataset.state === 'no-webgpu') return;
  setState('busy', busy);
  try {
    setState('ready', await work());
  } catch (e) {
    console.error(e);
    setState('error', (e as Error).message);
  }
  demo.actions++;
}

/** Draws a raster at the canvas's top left. */
function paint(canvas: HTMLCanvasElement, raster: Raster): void {
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(new Uint8ClampedArray(raster.data), raster.width, raster.height), 0, 0);
}

function canvasOf(raster: Raster, className = 'picture'): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = raster.width;
  canvas.height = raster.height;
  canvas.className = className;
  paint(canvas, raster);
  return canvas;
}

function describeModel(m: SavedDetector, source: string): string {
  const trained = m.detector.training === 'steps' ? `trained ${m.step} steps` : m.step ? 'fitted' : 'not fitted';
  return `${source}: ${m.detector.describe()}, ${trained}`;
}

async function loadCheckpoint(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const loaded = detectorFromCheckpoint(nn.decodeSafetensors(bytes, file.name), file.name);
  // The replaced model's weights and optimiser state free their GPU memory now rather than whenever the page closes.
  if (saved) Object.values(checkpointContents(saved.detector.checkpointState()).tensors).forEach((t) => t.dispose());
  saved = loaded;
  $('model').textContent = describeModel(loaded, file.name);
  return `Loaded ${file.name}. ${await showResults()}`;
}

async function loadImages(files: File[]): Promise<string> {
  const decoded = [];
  for (const file of files) decoded.push({ name: file.name, image: await decodeImageBlob(file, file.name) });
  images = decoded;
  return showResults();
}

/** Scores every loaded image in one batch, the way `cavga infer` does, and redraws the results table. */
async function showResults(): Promise<string> {
  const body = $('results').querySelector('tbody')!;
  body.replaceChildren();
  demo.results = [];
  if (!saved)
    return images.length ? 'Images loaded; now load a checkpoint or train a model.' : 'Load a checkpoint and images.';
  if (!images.length) return 'Model ready; now load images.';
  const { imageSize: size, channels } = saved.detector;
  const inputs = images.map(({ name, image }) => preprocess(image, name, { size, channels, convertChannels: true }));
  const { data, shape } = stackImages(inputs, channels, size);
  const batch = tensor(data, shape);
  const analysis = saved.detector.analyze(batch);
  const scores = await analysis.score.data();
  const maps = await analysis.map.data();
  const reconstructions = analysis.reconstruction ? await analysis.reconstruction.data() : null;
  const attention = analysis.attention ? await analysis.attention.data() : null;
  [batch, analysis.score, analysis.map, analysis.reconstruction, analysis.attention].forEach((t) => t?.dispose());
  const plane = size * size;
  images.forEach(({ name }, k) => {
    const map = Array.from(maps.slice(k * plane, (k + 1) * plane));
    const input = imageRaster({ width: size, height: size, channels, data: inputs[k] });
    const reconstruction =
      reconstructions &&
      imageRaster({
        width: size,
        height: size,
        channels,
        data: Float32Array.from(reconstructions.slice(k * channels * plane, (k + 1) * channels * plane)),
      });
    const row = document.createElement('tr');
    const cell = (content: Node | string) => row.appendChild(document.createElement('td')).append(content);
    cell(name);
    cell(canvasOf(input));
    cell(reconstruction ? canvasOf(reconstruction) : 'none (this model does not reconstruct)');
    cell(
      attention
        ? canvasOf(heatmapRaster(attention.slice(k * plane, (k + 1) * plane), size, size))
        : 'none (this model has no attention)',
    );
    cell(canvasOf(overlayHeatmap(input, map)));
    cell(scores[k].toFixed(5));
    body.append(row);
    demo.results.push({ name, score: scores[k], map });
  });
  return `Scored ${images.length} image(s): the anomaly map is red where the model sees an anomaly; higher scores are more anomalous.`;
}

function drawLosses(): void {
  const names = ['total', 'reconstruction', 'discriminator'].filter((n) => n in (demo.losses[0] ?? {}));
  const steps = demo.losses.map((l) => l.step);
  const chart = lossCurves(
    names.map((name) => ({ name, steps, values: demo.losses.map((l) => l[name]) })),
    { width: 560, height: 300 },
  );
  paint($<HTMLCanvasElement>('loss'), chart);
}

/** All of `data`'s images, 16 at a time. */
function* batchesOf(data: TrainingData): Generator<Tensor> {
  for (let start = 0; start < data.count; start += 16) {
    yield data.batch(Array.from({ length: Math.min(16, data.count - start) }, (_, k) => start + k)).images;
  }
}

/**
 * Trains the loaded model (or a new one of the kind chosen, with `cavga train`'s defaults: CAVGA-Du, or a baseline such as
 * the per-pixel Gaussian or PCA) on one category of the built-in dataset: a
 * few steps, or one fit for a model fitted in one pass.
 */
async function train(): Promise<string> {
  const steps = Number($<HTMLInputElement>('steps').value);
  const batchSize = Number($<HTMLInputElement>('batch').value);
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new Error(`Steps must be a positive integer, got '${$<HTMLInputElement>('steps').value}'`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`Batch must be a positive integer, got '${$<HTMLInputElement>('batch').value}'`);
  const kind = $<HTMLSelectElement>('new-model').value;
  saved ??= { detector: createDetector(kind, { imageSize: 64, channels: 3, seed: 0 }), step: 0 };
  const model = saved;
  const { detector } = model;
  const category = $<HTMLSelectElement>('category').value as SyntheticCategory;
  const data = builtinTrainingData(detector, { category, count: 200, seed: detector.seed });
  demo.losses = [];
  if (detector.training === 'one-pass') {
    await detector.fit(data);
    model.step = 1;
  } else {
    const end = await trainLoop({
      trainer: detector,
      data,
      batchSize,
      seed: detector.seed,
      startStep: model.step,
      steps: model.step + steps,
      checkpointEvery: steps,
      saveCheckpoint: async () => {},
      onStep: (step, losses) => {
        demo.losses.push({ step: step + 1, ...losses });
        drawLosses();
        status.textContent = `Training on ${category}: step ${step + 1} of ${model.step + steps}, loss ${losses.total.toFixed(4)}`;
      },
    });
    if (end.reason === 'non-finite')
      throw new Error(
        `Training stopped: the ${end.term} loss became non-finite at step ${end.step + 1}; the model's weights are no longer usable`,
      );
    model.step = end.step;
  }
  if (detector.needsCalibration && detector.calibrate) {
    status.textContent = 'Calibrating the anomaly map on the training images…';
    await detector.calibrate(batchesOf(data));
  }
  $('model').textContent = describeModel(model, 'Trained in this page');
  const done = detector.training === 'steps' ? `Trained ${steps} steps on ${category}.` : `Fitted on ${category}.`;
  return `${done} ${await showResults()}`;
}

/** Checkpoints first, so that images dropped together with one are scored by it. */
function openFiles(files: File[]): Promise<void> {
  const checkpoints = files.filter((f) => f.name.endsWith('.safetensors'));
  const pictures = files.filter((f) => !f.name.endsWith('.safetensors'));
  return action('Loading…', async () => {
    if (checkpoints.length > 1)
      throw new Error(`Give one checkpoint at a time (got ${checkpoints.map((f) => f.name).join(', ')})`);
    const messages = [];
    if (checkpoints.length) messages.push(await loadCheckpoint(checkpoints[0]));
    if (pictures.length) messages.push(await loadImages(pictures));
    return messages.join(' ');
  });
}

function wire(): void {
  const category = $<HTMLSelectElement>('category');
  for (const name of SYNTHETIC_CATEGORIES) category.add(new Option(name, name));
  const kinds = $<HTMLSelectElement>('new-model');
  for (const name of Object.keys(DETECTORS))
    kinds.add(new Option(name, name, name === 'cavga-du', name === 'cavga-du'));
  $<HTMLInputElement>('checkpoint').addEventListener('change', (e) =>
    openFiles(Array.from((e.target as HTMLInputElement).files ?? [])),
  );
  $<HTMLInputElement>('images').addEventListener('change', (e) =>
    openFiles(Array.from((e.target as HTMLInputElement).files ?? [])),
  );
  trainButton.addEventListener('click', () => action('Generating the built-in images…', train));
  const drop = $('drop');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void openFiles(Array.from(e.dataTransfer?.files ?? []));
  });
}

wire();
try {
  const gpu = await init();
  setState('ready', `WebGPU ready (${formatAdapter(gpu.rt.info)}). Load a checkpoint and images, or train a model.`);
} catch (e) {
  setState('no-webgpu', `This page needs WebGPU, and this browser does not provide it.\n${(e as Error).message}`);
}

// Public API in Node: everything browsers get (src/browser.ts) plus files: checkpoints, PNGs, dataset folders.
export * from './browser.ts';
export { saveSafetensors, loadSafetensors } from './nn/checkpoint-file.ts';
export { saveCheckpoint, loadCheckpoint } from './nn/checkpoint.ts';
export { loadSplit, loadImageFiles } from './anomaly/data/loader.ts';
export { loadMvtec } from './anomaly/data/mvtec.ts';
export { loadFolder } from './anomaly/data/folder.ts';
export { readPng, writePng } from './anomaly/data/png.ts';

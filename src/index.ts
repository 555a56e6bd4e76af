// Public API in Node: everything browsers get (src/browser.ts) plus checkpoint files.
export * from './browser.ts';
export { saveSafetensors, loadSafetensors } from './nn/checkpoint-file.ts';
export { saveCheckpoint, loadCheckpoint } from './nn/checkpoint.ts';

// Starts both engines on the same WebGPU adapter in this process: ours through `init()`, TensorFlow.js's WebGPU backend
// through a second Dawn instance exposed as `navigator.gpu` (tfjs looks for WebGPU there and nowhere else).

import * as tf from '@tensorflow/tfjs-core';
import { require as tsxRequire } from 'tsx/cjs/api';
import { init, formatAdapter, type AdapterDescription } from '../src/index.ts';
import type { WebGPUBackend } from '../src/kernels/webgpu-backend.ts';

export type Tf = typeof tf;

export interface Engines {
  ours: WebGPUBackend;
  tf: Tf;
  /** What each engine reports about its adapter, to show that both run on the same one. */
  adapters: { ours: AdapterDescription; tfjs: Record<string, unknown> };
}

let started: Promise<Engines> | null = null;

/** Both engines, started once per process. */
export function startEngines(): Promise<Engines> {
  started ??= start();
  return started;
}

async function start(): Promise<Engines> {
  // Ours first: the engine decides at import time whether it runs in Node from `navigator` being absent, and `init()` also
  // installs Dawn's globals (GPUBufferUsage, GPUMapMode, ...) that tfjs uses as well.
  const ours = await init();
  // The engine keeps its Dawn instance private, so tfjs gets its own instance of the same library. Keep it referenced
  // for the life of the process: Dawn segfaults when the object returned by create() is garbage-collected.
  const { create } = (await import('webgpu')) as unknown as { create: (options: string[]) => GPU };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  // The backend registers itself at import time, and only when navigator.gpu exists.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to start');
  // Otherwise tfjs computes ops whose inputs are small (under 1000 elements) and not yet on the GPU in JavaScript on the
  // CPU, and the dispatch-overhead case would time plain JavaScript additions instead of GPU dispatches.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  await tf.ready();
  // tfjs-core's Node bundle has no gradient functions (the @tensorflow/tfjs umbrella package adds them), and tf.grads
  // needs them for batch norm's backward. This loads the same package's own registrations from its ES module files,
  // through tsx (Node alone cannot resolve their extensionless imports); they go into tfjs's process-wide gradient
  // registry and run on the same engine and backend.
  tsxRequire('@tensorflow/tfjs-core/dist/register_all_gradients.js', import.meta.url);
  const backend = tf.backend() as unknown as {
    device: GPUDevice & { adapterInfo?: GPUAdapterInfo };
    adapterInfo: object;
  };
  const info = backend.device.adapterInfo;
  const tfjs = info
    ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description }
    : { ...backend.adapterInfo };
  return { ours, tf, adapters: { ours: ours.rt.info, tfjs } };
}

/** One line naming the adapter, plus a warning when tfjs reports a different one. */
export function describeAdapters(e: Engines): string {
  const line = formatAdapter(e.adapters.ours);
  const t = e.adapters.tfjs;
  const same =
    t.vendor === e.adapters.ours.vendor &&
    t.architecture === e.adapters.ours.architecture &&
    (t.description === undefined || t.description === e.adapters.ours.description);
  return same ? line : `${line} (WARNING: tfjs reports ${JSON.stringify(t)})`;
}

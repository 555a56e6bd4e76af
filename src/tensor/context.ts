// Which backend new tensors go to. The float64 reference backend ('cpu') is the default until `init()` acquires WebGPU.

import { WebGPUBackend } from '../kernels/webgpu-backend.ts';
import type { Backend } from './backend.ts';
import { ReferenceBackend } from '../reference/backend.ts';
import type { WebGPUOptions } from '../kernels/device.ts';

export type DeviceName = 'cpu' | 'webgpu';

const cpu = new ReferenceBackend();
let gpu: WebGPUBackend | null = null;
let current: Backend = cpu;

/** Acquires the WebGPU device (once per process) and makes it the default for new tensors. */
export async function init(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  gpu ??= await WebGPUBackend.create(options);
  current = gpu;
  return gpu;
}

export function getBackend(device?: DeviceName | Backend): Backend {
  if (device === undefined) return current;
  if (typeof device !== 'string') return device;
  if (device === 'cpu') return cpu;
  if (!gpu) throw new Error("device 'webgpu' is not initialised: call `await init()` first");
  return gpu;
}

export function setDefaultDevice(device: DeviceName): void {
  current = getBackend(device);
}

/**
 * Runs fn with `device` as the default for new tensors. When fn is async, the default stays until its promise settles
 * (code that runs meanwhile sees it too).
 */
export function withDevice<T>(device: DeviceName | Backend, fn: () => T): T {
  const previous = current;
  current = getBackend(device);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = previous;
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => (current = previous)) as T;
  current = previous;
  return result;
}

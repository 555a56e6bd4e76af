// The backends of this build. Loading this module registers the float64 reference backend as 'cpu', the default
// device; init() acquires WebGPU, registers it and makes it the default.

import { WebGPUBackend } from './kernels/webgpu-backend.ts';
import type { WebGPUOptions } from './kernels/device.ts';
import { ReferenceBackend } from './reference/backend.ts';
import type { MemoryInfo } from './tensor/backend.ts';
import { getBackend, registerBackend, setDefaultDevice, type DeviceName } from './tensor/devices.ts';

export { getBackend, setDefaultDevice, withDevice, type DeviceName } from './tensor/devices.ts';
export { releaseWebGPU, formatAdapter, type WebGPUOptions, type AdapterDescription } from './kernels/device.ts';

registerBackend('cpu', new ReferenceBackend());

let gpu: Promise<WebGPUBackend> | null = null;

/** Acquires the WebGPU device (once per process) and makes it the default for new tensors. */
export async function init(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  gpu ??= WebGPUBackend.create(options).catch((e) => {
    gpu = null;
    throw e;
  });
  const backend = await gpu;
  registerBackend('webgpu', backend);
  setDefaultDevice('webgpu');
  return backend;
}

/** Waits until a backend (the default one when not named) has finished the work recorded so far. */
export function sync(device?: DeviceName): Promise<void> {
  return getBackend(device).sync();
}

/** Live and peak bytes, live storages and pooled bytes of a backend (the default one when not named). */
export function memory(device?: DeviceName): MemoryInfo {
  return getBackend(device).memory();
}

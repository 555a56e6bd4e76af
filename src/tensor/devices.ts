// Which backend new tensors go to: a registry from device name to backend, and the default device. This layer imports
// no backend; src/devices.ts registers the backends of the build.

import type { Backend, DeviceName } from './backend.ts';

export type { DeviceName };

const registered = new Map<DeviceName, Backend>();
let current: DeviceName | Backend = 'cpu';

/** What to do when a device is asked for before its backend was registered. */
const howToRegister: Record<DeviceName, string> = {
  cpu: 'import src/devices.ts (the public index does), which registers the float64 reference backend',
  webgpu: 'call `await init()` first',
};

/** Makes `backend` the one used for `name`, replacing an earlier registration. */
export function registerBackend(name: DeviceName, backend: Backend): void {
  if (backend.name !== name)
    throw new Error(`registerBackend: a '${backend.name}' backend cannot be registered as device '${name}'`);
  registered.set(name, backend);
}

/** The backend of a device, or of the default device when none is named; a backend given itself is returned as is. */
export function getBackend(device: DeviceName | Backend = current): Backend {
  if (typeof device !== 'string') return device;
  const backend = registered.get(device);
  if (!backend) throw new Error(`device '${device}' is not initialised: ${howToRegister[device]}`);
  return backend;
}

export function setDefaultDevice(device: DeviceName): void {
  getBackend(device); // throws when not registered
  current = device;
}

/**
 * Runs fn with `device` as the default for new tensors. When fn is async, the default stays until its promise settles
 * (code that runs meanwhile sees it too).
 */
export function withDevice<T>(device: DeviceName | Backend, fn: () => T): T {
  const previous = current;
  getBackend(device); // throws when not registered
  current = device;
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

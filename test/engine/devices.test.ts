// The device registry of the tensor layer on its own: nothing is registered until src/devices.ts (not imported here)
// or the caller registers a backend, and asking for an unregistered device says what to do in one line.

import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/reference/backend.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { getBackend, registerBackend, setDefaultDevice, withDevice } from '../../src/tensor/devices.ts';

describe('device registry', () => {
  it('names an unregistered device and how to register it', () => {
    expect(() => getBackend('webgpu')).toThrow(/^device 'webgpu' is not initialised: call `await init\(\)` first$/);
    expect(() => getBackend('cpu')).toThrow(/^device 'cpu' is not initialised: import src\/devices\.ts/);
    expect(() => getBackend()).toThrow(/device 'cpu' is not initialised/); // the default device
    expect(() => tensor([1, 2])).toThrow(/device 'cpu' is not initialised/);
    expect(() => setDefaultDevice('webgpu')).toThrow(/device 'webgpu' is not initialised/);
    expect(() => withDevice('webgpu', () => 1)).toThrow(/device 'webgpu' is not initialised/);
  });

  it('refuses a backend registered under another device name', () => {
    expect(() => registerBackend('webgpu', new ReferenceBackend())).toThrow(
      "registerBackend: a 'cpu' backend cannot be registered as device 'webgpu'",
    );
    expect(() => getBackend('webgpu')).toThrow(/not initialised/);
  });

  it('returns the registered backend, the default one, and a backend given itself', async () => {
    const cpu = new ReferenceBackend();
    registerBackend('cpu', cpu);
    expect(getBackend('cpu')).toBe(cpu);
    expect(getBackend()).toBe(cpu);
    const other = new ReferenceBackend();
    expect(getBackend(other)).toBe(other);
    expect(withDevice(other, () => tensor([1, 2]).backend)).toBe(other);
    expect(tensor([1, 2]).backend).toBe(cpu); // withDevice restored the default
    expect(await tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(() => setDefaultDevice('webgpu')).toThrow(/not initialised/);
    expect(getBackend()).toBe(cpu); // a failed setDefaultDevice leaves the default as it was
  });
});

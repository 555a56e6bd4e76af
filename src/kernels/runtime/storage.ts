// Device storage for tensors: float32 buffers taken from the size-class pool, counted while live, optionally poisoned.

import type { Backend, Storage } from '../../tensor/backend.ts';
import { BufferPool } from './buffer-pool.ts';
import type { RuntimeCounters } from './counters.ts';

export class GpuStorage implements Storage {
  released = false;
  constructor(
    readonly size: number,
    readonly buffer: GPUBuffer,
    readonly backend: Backend,
  ) {}
}

/** NaN's bit pattern: what poisoned storages hold until a kernel writes them. */
const NAN_BITS = 0x7fc00000;

export class StorageAllocator {
  readonly pool: BufferPool;
  /** Tests set this: every new storage is filled with NaN first, so elements a kernel fails to write show up. */
  poison = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly backend: Backend,
    private readonly counters: RuntimeCounters,
  ) {
    this.pool = new BufferPool(device);
  }

  get maxBindingBytes(): number {
    return this.device.limits.maxStorageBufferBindingSize;
  }

  alloc(size: number, label: string): GpuStorage {
    const bytes = Math.max(size, 1) * 4;
    if (bytes > this.maxBindingBytes) {
      throw new Error(
        `${label}: a tensor of ${size} elements (${bytes} bytes) exceeds this adapter's largest storage binding (${this.maxBindingBytes} bytes)`,
      );
    }
    const s = new GpuStorage(size, this.pool.acquire(bytes, label), this.backend);
    if (this.poison) this.device.queue.writeBuffer(s.buffer, 0, new Uint32Array(Math.max(size, 1)).fill(NAN_BITS));
    this.counters.allocated(size * 4);
    return s;
  }

  upload(data: Float32Array, label: string): GpuStorage {
    const s = this.alloc(data.length, label);
    if (data.length) this.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return s;
  }

  /**
   * Returns a storage's buffer to the pool. Safe right after dispatching a kernel that reads it: the pool hands the
   * buffer out again only after the next submit, and submits run in order.
   */
  release(s: GpuStorage): void {
    if (s.released) return;
    s.released = true;
    this.counters.freed(s.size * 4);
    this.pool.release(s.buffer);
  }
}

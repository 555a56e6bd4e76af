// Float64 storage of the reference backend, with the same memory counters as the WebGPU backend (4 bytes per element,
// the float32 size the tensor stands for).

import type { Backend, Storage } from '../backend.ts';

export class ReferenceStorage implements Storage {
  released = false;
  constructor(readonly data: Float64Array, readonly backend: Backend) {}

  get size(): number {
    return this.data.length;
  }
}

export class MemoryCounters {
  liveBytes = 0;
  peakBytes = 0;
  liveStorages = 0;

  allocated(size: number): void {
    this.liveBytes += size * 4;
    this.liveStorages++;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  released(size: number): void {
    this.liveBytes -= size * 4;
    this.liveStorages--;
  }
}

// Float64 storage of the reference backend and its memory counters. Bytes are counted at 4 per element, the float32
// size the tensor stands for, so memory figures read the same on both backends.

import type { Backend, Storage } from '../tensor/backend.ts';

export class ReferenceStorage implements Storage {
  readonly size: number;
  released = false;

  constructor(
    readonly data: Float64Array,
    readonly backend: Backend,
  ) {
    this.size = data.length;
  }
}

const BYTES_PER_ELEMENT = 4;

export class MemoryCounters {
  liveBytes = 0;
  peakBytes = 0;
  liveStorages = 0;

  allocated(size: number): void {
    this.liveBytes += size * BYTES_PER_ELEMENT;
    this.liveStorages++;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  released(size: number): void {
    this.liveBytes -= size * BYTES_PER_ELEMENT;
    this.liveStorages--;
  }
}

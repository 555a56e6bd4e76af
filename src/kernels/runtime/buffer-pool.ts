// GPU buffers reused by size class. A released buffer may still be read or written by commands that are encoded but not yet
// submitted, and queue.writeBuffer runs ahead of those commands, so released buffers wait in `pending` until the next submit.

import { BufferUsage } from './gpu-constants.ts';

const USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Rounds a byte size up to its class: powers of two below 64 KiB, then steps of 1/8 of the power of two below. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 65536) return 2 ** Math.ceil(Math.log2(b));
  const step = 2 ** Math.floor(Math.log2(b)) / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  /** Free buffers per size class, by creation order, newest first: acquire takes the oldest (see afterSubmit). */
  private free = new Map<number, GPUBuffer[]>();
  private order = new WeakMap<GPUBuffer, number>();
  private pending: GPUBuffer[] = [];
  pooledBytes = 0;
  allocatedBytes = 0;
  buffersCreated = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, label: string): GPUBuffer {
    const cls = sizeClass(bytes);
    const reused = this.free.get(cls)?.pop();
    if (reused) {
      this.pooledBytes -= cls;
      return reused;
    }
    const buffer = this.device.createBuffer({ size: cls, usage: USAGE, label });
    this.order.set(buffer, this.buffersCreated);
    this.allocatedBytes += cls;
    this.buffersCreated++;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next submit. */
  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
  }

  /**
   * Called right after a submit: everything released before it is safe to reuse. Free buffers are kept in creation
   * order rather than release order, so the buffer an allocation gets depends only on which buffers are free, not on the
   * order they were released in: a loop that repeats the same ops then cycles through the same few buffer assignments,
   * and the runtime's bind groups (cached by buffer) are found again instead of being created for every dispatch.
   */
  afterSubmit(): void {
    for (const buffer of this.pending) {
      const list = this.free.get(buffer.size) ?? [];
      // Binary search for the first older buffer: the list runs from newest to oldest.
      const rank = this.order.get(buffer)!;
      let [lo, hi] = [0, list.length];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.order.get(list[mid])! > rank) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, buffer);
      this.free.set(buffer.size, list);
      this.pooledBytes += buffer.size;
    }
    this.pending = [];
  }

  /** Destroys every pooled buffer (not the pending or live ones). */
  trim(): void {
    for (const list of this.free.values())
      for (const buffer of list) {
        this.allocatedBytes -= buffer.size;
        buffer.destroy();
      }
    this.free.clear();
    this.pooledBytes = 0;
  }
}

// Recording and submission: every op is recorded into one command encoder (one open compute pass), and the encoder is
// submitted once it holds SUBMIT_EVERY ops, or when a readback or sync needs the work done. Each batch runs inside its
// own error scopes.

import type { RuntimeCounters } from './counters.ts';
import type { DeviceErrors } from './device-errors.ts';
import type { BoundKernel } from './pipeline-cache.ts';
import type { Profiler } from './profiler.ts';

/** Ops per submit: more amortise the submit, fewer let the device start earlier and free pooled buffers sooner. */
export const SUBMIT_EVERY = 32;

/**
 * Submits in a row without waiting for the device before the runtime warns: Dawn processes its completions only when
 * JavaScript yields, and a loop that never yields piles them up until Dawn runs out of memory.
 */
export const UNSYNCED_SUBMIT_WARNING = 2000;

export class CommandBatch {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private ops: string[] = [];
  /** Submits since the last sync or read. */
  private unsynced = 0;
  private warnedUnsynced = false;

  /** `afterSubmit` runs right after every submit (buffers released before it may then be reused or destroyed). */
  constructor(
    private readonly device: GPUDevice,
    private readonly errors: DeviceErrors,
    private readonly counters: RuntimeCounters,
    private readonly profiler: Profiler,
    private readonly afterSubmit: () => void,
  ) {}

  /** Starts a batch if none is open, so errors of what the caller creates next land in its scope. */
  open(): GPUCommandEncoder {
    if (!this.encoder) {
      this.errors.open();
      this.encoder = this.device.createCommandEncoder();
    }
    return this.encoder;
  }

  dispatch(kernel: string, bound: BoundKernel, workgroups: readonly [number, number, number]): void {
    const encoder = this.open();
    this.ops.push(kernel);
    // A profile with timestamps gives each dispatch a pass of its own, stamped at its start and end.
    const pass = this.profiler.stamping
      ? encoder.beginComputePass(this.profiler.passDescriptor(kernel))
      : (this.pass ??= encoder.beginComputePass());
    pass.setPipeline(bound.pipeline);
    pass.setBindGroup(0, bound.bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    if (this.profiler.stamping) pass.end();
    if (this.profiler.recording) this.profiler.record(kernel, bound, workgroups);
    this.counters.dispatched(kernel);
    if (this.ops.length >= SUBMIT_EVERY) this.flush();
  }

  /** Records a buffer-to-buffer copy (to `targetOffset` bytes in) after the recorded work; `op` names it in errors. */
  copy(source: GPUBuffer, target: GPUBuffer, bytes: number, op: string, targetOffset = 0): void {
    const encoder = this.open();
    this.endPass();
    encoder.copyBufferToBuffer(source, 0, target, targetOffset, bytes);
    this.ops.push(op);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.endPass();
    this.profiler.beforeSubmit(encoder);
    this.device.queue.submit([encoder.finish()]);
    this.encoder = null;
    this.counters.submitted();
    if (++this.unsynced === UNSYNCED_SUBMIT_WARNING && !this.warnedUnsynced) {
      this.warnedUnsynced = true;
      console.warn(
        `webgpu: ${UNSYNCED_SUBMIT_WARNING} submits without waiting for the device; await sync() (or read a value) now and then in long loops, or Dawn may run out of memory and crash`,
      );
    }
    this.errors.close(this.ops);
    this.ops = [];
    this.afterSubmit();
  }

  /** The device has caught up (a sync or a read): the count of submits without waiting starts again. */
  synced(): void {
    this.unsynced = 0;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
}

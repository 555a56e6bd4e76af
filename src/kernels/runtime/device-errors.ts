// WebGPU reports errors asynchronously: each submitted batch of ops runs inside error scopes whose results arrive later.
// They become exceptions that name the batch's ops, thrown by the next call into the runtime (or by sync and read).

import { waitFor } from './host-wait.ts';

export class DeviceErrors {
  private checks: Promise<void>[] = [];
  private failure: Error | null = null;
  private lost: Error | null = null;

  constructor(private readonly device: GPUDevice) {
    device.lost.then((lost) => {
      this.lost = new Error(`WebGPU device lost (${lost.reason}): ${lost.message}`);
    });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      this.failure ??= new Error(`WebGPU error outside any op: ${e.message}`);
    });
  }

  /** Throws a pending error once (the device stays usable after a validation error), or always once the device is lost. */
  throwIfFailed(): void {
    if (this.lost) throw this.lost;
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
  }

  /** Opens the scopes of a new batch. */
  open(): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
  }

  /** Closes the current batch's scopes (right after its submit); an error they caught names `ops`. */
  close(ops: string[]): void {
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    const check = Promise.all([validation, memory]).then(([v, m]) => {
      const error = v ?? m;
      if (error && !this.failure) {
        const kind = error === m ? 'out of memory' : 'validation error';
        const unique = [...new Set(ops)].join(', ');
        this.failure = new Error(`WebGPU ${kind} in a batch of ops (${unique}): ${error.message}`);
      }
    });
    this.checks.push(check);
  }

  /** Waits for every closed batch's scopes and throws the first error they caught. */
  async settle(): Promise<void> {
    const checks = this.checks;
    this.checks = [];
    await waitFor(Promise.all(checks));
    this.throwIfFailed();
  }
}

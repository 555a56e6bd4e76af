// What the runtime counts: device memory held by live tensors, and the dispatches and submits that work cost.

export class RuntimeCounters {
  liveBytes = 0;
  peakBytes = 0;
  liveStorages = 0;
  dispatches = 0;
  submits = 0;
  /** Dispatches per kernel name, for profiling which ops a workload runs. */
  readonly dispatchesByKernel = new Map<string, number>();

  allocated(bytes: number): void {
    this.liveBytes += bytes;
    this.liveStorages++;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  freed(bytes: number): void {
    this.liveBytes -= bytes;
    this.liveStorages--;
  }

  dispatched(kernel: string): void {
    this.dispatches++;
    this.dispatchesByKernel.set(kernel, (this.dispatchesByKernel.get(kernel) ?? 0) + 1);
  }

  submitted(): void {
    this.submits++;
  }
}

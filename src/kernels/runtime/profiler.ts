// Where a workload's device time goes, kernel by kernel. Where the adapter has timestamp queries, each dispatch runs in
// a compute pass of its own whose start and end the device stamps; elsewhere the dispatches are recorded and, when the
// profile stops, replayed one at a time, each timed on the host from its submit to its completion (which adds the
// submit's own cost to every dispatch).

import { BufferUsage, MapMode } from './gpu-constants.ts';
import { waitFor } from './host-wait.ts';
import type { BoundKernel } from './pipeline-cache.ts';

export interface KernelTime {
  name: string;
  ms: number;
  dispatches: number;
}

export interface KernelProfile {
  source: 'timestamps' | 'synced';
  /** Device time per kernel name, summed over the profiled dispatches, largest first. */
  kernels: KernelTime[];
}

export type ProfileMode = 'auto' | 'synced';

interface Stamped {
  names: string[];
  resolved: GPUBuffer;
  staging: GPUBuffer;
}

interface Recorded {
  name: string;
  bound: BoundKernel;
  workgroups: readonly [number, number, number];
}

export class Profiler {
  private source: KernelProfile['source'] | null = null;
  // Timestamps: the current command encoder's query set and the kernels of its passes, then batches waiting to be read.
  private querySet: GPUQuerySet | null = null;
  private names: string[] = [];
  private stamped: Stamped[] = [];
  private recorded: Recorded[] = [];

  /** `passesPerEncoder`: the most dispatches one command encoder records. */
  constructor(
    private readonly device: GPUDevice,
    private readonly passesPerEncoder: number,
  ) {}

  get stamping(): boolean {
    return this.source === 'timestamps';
  }

  get recording(): boolean {
    return this.source === 'synced';
  }

  start(mode: ProfileMode): void {
    if (this.source) throw new Error('profiler: a profile is already running');
    this.source = mode === 'auto' && this.device.features.has('timestamp-query') ? 'timestamps' : 'synced';
  }

  /** A compute pass descriptor that stamps the start and end of one dispatch of `kernel`. */
  passDescriptor(kernel: string): GPUComputePassDescriptor {
    this.querySet ??= this.device.createQuerySet({ type: 'timestamp', count: 2 * this.passesPerEncoder });
    const index = 2 * this.names.length;
    if (index >= this.querySet.count) throw new Error('profiler: more dispatches in one command encoder than planned');
    this.names.push(kernel);
    return {
      timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 },
    };
  }

  /** Called before an encoder is finished: copies its timestamps to a buffer read when the profile stops. */
  beforeSubmit(encoder: GPUCommandEncoder): void {
    if (!this.querySet || !this.names.length) return;
    const bytes = this.names.length * 2 * 8;
    const resolved = this.device.createBuffer({
      size: bytes,
      usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
    });
    const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, this.names.length * 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    this.stamped.push({ names: this.names, resolved, staging });
    this.names = [];
    this.querySet = null; // a new set per encoder: this one is written until the submit has run
  }

  record(name: string, bound: BoundKernel, workgroups: readonly [number, number, number]): void {
    this.recorded.push({ name, bound, workgroups });
  }

  /** Ends the profile; the caller has submitted everything recorded while it ran. */
  async stop(): Promise<KernelProfile> {
    const source = this.source;
    if (!source) throw new Error('profiler: no profile is running');
    this.source = null;
    const totals = new Map<string, KernelTime>();
    const add = (name: string, ms: number) => {
      const t = totals.get(name) ?? { name, ms: 0, dispatches: 0 };
      t.ms += ms;
      t.dispatches++;
      totals.set(name, t);
    };
    if (source === 'timestamps') {
      const batches = this.stamped;
      this.stamped = [];
      for (const { names, resolved, staging } of batches) {
        await waitFor(staging.mapAsync(MapMode.READ));
        const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
        staging.destroy();
        resolved.destroy();
        names.forEach((name, k) => add(name, Number(stamps[2 * k + 1] - stamps[2 * k]) / 1e6));
      }
    } else {
      const dispatches = this.recorded;
      this.recorded = [];
      for (const d of dispatches) add(d.name, await this.replay(d));
    }
    return { source, kernels: [...totals.values()].sort((a, b) => b.ms - a.ms) };
  }

  private async replay({ bound, workgroups }: Recorded): Promise<number> {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(bound.pipeline);
    pass.setBindGroup(0, bound.bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    pass.end();
    const start = performance.now();
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  }
}

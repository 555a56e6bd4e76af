// Reading buffers back to the host: copies into one mappable staging buffer, recorded after all queued work, submitted
// at once, then mapped once the device has run them.

import type { CommandBatch } from './command-batch.ts';
import { BufferUsage, MapMode } from './gpu-constants.ts';
import { waitFor } from './host-wait.ts';

/**
 * The first `bytes` of each buffer, in one submit and one mapping however many there are. `settle` waits for the
 * batches' error checks, so a failed op throws here rather than returning garbage.
 */
export async function readBuffers(
  device: GPUDevice,
  batch: CommandBatch,
  settle: () => Promise<void>,
  parts: { buffer: GPUBuffer; bytes: number }[],
  label: string,
): Promise<Float32Array[]> {
  const offsets = parts.map((_, k) => parts.slice(0, k).reduce((at, p) => at + p.bytes, 0));
  const total = parts.reduce((at, p) => at + p.bytes, 0);
  if (total === 0) return parts.map(() => new Float32Array(0));
  const staging = device.createBuffer({
    size: total,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    label: `read ${label}`,
  });
  parts.forEach((p, k) => {
    if (p.bytes) batch.copy(p.buffer, staging, p.bytes, `read(${label})`, offsets[k]);
  });
  batch.flush();
  // Mapped as soon as the copies are submitted: Dawn completes a mapping once all work submitted before it is done, so
  // asking later (after the error checks) would also wait for whatever was recorded and submitted in between.
  const mapped = staging.mapAsync(MapMode.READ);
  try {
    await settle();
  } catch (e) {
    staging.destroy(); // a failed batch: the pending mapping is rejected, and nothing is read
    await mapped.catch(() => undefined);
    throw e;
  }
  await waitFor(mapped);
  const all = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return parts.map((p, k) => new Float32Array(all, offsets[k], p.bytes / 4));
}

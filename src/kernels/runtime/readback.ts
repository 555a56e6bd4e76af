// Reading a buffer back to the host: a copy into a mappable staging buffer, recorded after all queued work, submitted
// at once, then mapped once the device has run it.

import type { CommandBatch } from './command-batch.ts';
import { BufferUsage, MapMode } from './gpu-constants.ts';
import { waitFor } from './host-wait.ts';

/** `settle` waits for the batches' error checks, so a failed op throws here rather than returning garbage. */
export async function readBuffer(
  device: GPUDevice,
  batch: CommandBatch,
  settle: () => Promise<void>,
  buffer: GPUBuffer,
  bytes: number,
  label: string,
): Promise<Float32Array> {
  if (bytes === 0) return new Float32Array(0);
  const staging = device.createBuffer({
    size: bytes,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    label: `read ${label}`,
  });
  batch.copy(buffer, staging, bytes, `read(${label})`);
  batch.flush();
  await settle();
  await waitFor(staging.mapAsync(MapMode.READ));
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

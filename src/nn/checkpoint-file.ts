// Safetensors checkpoints on disk (Node only; the byte format itself is in safetensors-format.ts).

import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Tensor } from '../tensor/tensor.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  type DecodedSafetensors,
  type TensorValues,
} from './safetensors-format.ts';

/**
 * Writes tensors (as float32) to a safetensors file. The bytes go to a temporary file beside `path`, are flushed to disk,
 * and then renamed over `path`, so a crash or a failed save leaves either the previous file or the complete new one,
 * never a truncated checkpoint. Creates the parent folder if needed.
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const values: Record<string, TensorValues> = {};
  for (const [name, t] of Object.entries(tensors))
    values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
  const bytes = encodeSafetensors(values, metadata);

  // The process id keeps concurrent savers (e.g. parallel test workers) from writing the same temporary file.
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // Best effort: unlink refuses directories, so this never removes anything but our own temporary file.
    await unlink(tmp).catch(() => {});
    throw new Error(`saveSafetensors: could not write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads and decodes a safetensors file; errors name the file. */
export async function loadSafetensors(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`loadSafetensors: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return decodeSafetensors(bytes, path);
}

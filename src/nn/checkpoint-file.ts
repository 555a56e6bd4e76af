// Safetensors checkpoints on disk (Node only; the byte format itself is in safetensors-format.ts).

import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  type DecodedSafetensors,
  type TensorValues,
} from './safetensors-format.ts';

/**
 * Writes tensors (as float32) to a safetensors file, atomically (see writeFileAtomic). Creates the parent folder if
 * needed.
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const values: Record<string, TensorValues> = {};
  for (const [name, t] of Object.entries(tensors))
    values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
  try {
    await writeFileAtomic(path, encodeSafetensors(values, metadata));
  } catch (e) {
    throw new Error(`saveSafetensors: could not write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes bytes to `path` so that a crash, a kill or a failed write leaves either the previous file or the complete new
 * one, never a truncated file: the bytes go to a temporary file beside `path` (named by the process id, so concurrent
 * writers do not share one), are flushed to disk, and then renamed over `path`. Temporary files that killed writers
 * left behind are removed. Creates the parent folder if needed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}${TMP_MARK}${process.pid}`;
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
    throw e;
  }
  await removeOrphans(path);
}

const TMP_MARK = '.tmp-';

/** Deletes `path`'s temporary files whose writer process no longer exists. */
async function removeOrphans(path: string): Promise<void> {
  const prefix = basename(path) + TMP_MARK;
  const names = await readdir(dirname(path)).catch(() => []);
  for (const name of names) {
    const pid = Number(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    await unlink(join(dirname(path), name)).catch(() => {});
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
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

// Files and folders the command writes. Files go through writeFileAtomic, so a crash, a kill or a full disk leaves the
// previous file or the new one, never half of one; every file-system error becomes one line naming the path and what to
// do (anomaly/data/files.ts's fileError).

import { accessSync, appendFileSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileError } from '../anomaly/data/files.ts';
import { writeFileAtomic } from '../nn/checkpoint-file.ts';

export async function writeOutput(path: string, bytes: Uint8Array | string): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw fileError(e, path, 'write');
  }
}

/**
 * Writes a file directly, without the temporary file and flush of writeOutput: for many small outputs that a crash may
 * leave unwritten or torn without harm to anything else (infer's heatmaps).
 */
export function writeOutputQuickly(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw fileError(e, path, 'write');
  }
}

/** Appends to a log whose torn last line a reader ignores (metrics.jsonl). */
export function appendOutput(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (e) {
    throw fileError(e, path, 'write');
  }
}

export function makeFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (e) {
    throw fileError(e, path, 'create the folder');
  }
}

/**
 * Refuses, before any work, an output folder that could not be made or written: the nearest folder on its path that
 * exists must be a folder (not a file) that this process may write (not read-only, not someone else's).
 */
export function checkOutputFolder(path: string): void {
  let existing = resolve(path);
  while (!existsSync(existing)) existing = dirname(existing);
  const code = statSync(existing).isDirectory() ? null : existing === resolve(path) ? 'EEXIST' : 'ENOTDIR';
  try {
    if (code) throw Object.assign(new Error(code), { code });
    accessSync(existing, constants.W_OK);
  } catch (e) {
    throw fileError(e, path, 'create the folder');
  }
}

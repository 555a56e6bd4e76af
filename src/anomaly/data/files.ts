// Folder checks shared by the file-based loaders.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError } from './errors.ts';

/** Image formats a user might drop into a dataset folder; only PNG is decoded, the rest are refused by name. */
const OTHER_IMAGE_TYPES = new Set(['.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp']);

export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new DataError(`${dir}: ${what} not found`);
  if (!statSync(dir).isDirectory()) throw new DataError(`${dir}: ${what} is not a folder`);
}

export const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** Sub-folder names, sorted. */
export const subdirs = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();

/**
 * The .png files of a folder as full paths, sorted by name (code-unit order, the same on every platform). Other image
 * formats are an error rather than silently skipped; unrelated files (notes, hidden files) are ignored.
 */
export function listPngs(dir: string, what: string, allowEmpty = false): string[] {
  requireDir(dir, what);
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();
  const other = names.find((n) => OTHER_IMAGE_TYPES.has(extname(n).toLowerCase()));
  if (other) throw new DataError(`${join(dir, other)}: only PNG images are supported; convert this file to PNG`);
  const pngs = names.filter((n) => extname(n).toLowerCase() === '.png').map((n) => join(dir, n));
  if (pngs.length === 0 && !allowEmpty) throw new DataError(`${dir}: ${what} has no .png images`);
  return pngs;
}

// Files and folders for the file-based loaders and the command line: folder checks, reads, and the one translation of
// file-system errors (a folder where a file should be, no permission, a full or read-only disk, ...) into one line that
// names the path and says what to do.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { DataError } from './errors.ts';

/** What a file-system error code means for the path it names, and what to do about it. */
const ADVICE: Record<string, string> = {
  ENOENT: 'not found; check the path',
  EISDIR: 'is a folder, not a file; give the path of a file',
  EEXIST: 'is a file, not a folder; give the path of a folder (or one to create)',
  EACCES: "permission denied; change its permissions (or its folder's) or choose another path",
  EPERM: "operation not permitted; change its permissions (or its folder's) or choose another path",
  EROFS: 'is on a read-only file system; choose a folder on a writable disk',
  ENOSPC: 'no space left on the device; free some space or choose a folder on another disk',
  EDQUOT: 'disk quota exceeded; free some space or choose a folder on another disk',
  EFBIG: 'the file is too large for this file system; choose a folder on another disk',
  ENAMETOOLONG: 'the name is too long; choose a shorter path',
  ELOOP: 'too many levels of symbolic links; check the path',
  EMFILE: 'too many open files; raise the limit (ulimit -n) and try again',
  ENFILE: 'too many open files on the system; try again later',
  EIO: 'input/output error; check the disk',
  EBUSY: 'busy; try again when no other program uses it',
};

/** The first file (not a folder) on the way down to `path`, which stops it from being created or reached. */
function fileInTheWay(path: string): string | null {
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
    if (existsSync(p)) return statSync(p).isDirectory() ? null : p;
  }
  return null;
}

/** The Node file-system error code of `e` or of an error it wraps (`cause`), or undefined. */
export function fsErrorCode(e: unknown): string | undefined {
  for (let x = e; x instanceof Error; x = x.cause) {
    const code = (x as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A file-system error of `doing` `path` as one line naming the path and what to do (a DataError), or `e` itself when it
 * is not a file-system error.
 */
export function fileError(e: unknown, path: string, doing: 'read' | 'write' | 'create the folder'): Error {
  const code = fsErrorCode(e);
  if (!code) return e instanceof Error ? e : new Error(String(e));
  if (code === 'ENOTDIR') {
    const file = fileInTheWay(path);
    const why = file ? `${file} is a file, not a folder` : 'a part of the path is a file, not a folder';
    return new DataError(`${path}: cannot ${doing}: ${why}; choose a path under a folder`);
  }
  const advice = ADVICE[code] ?? `${(e as Error).message.split('\n')[0]}`;
  return new DataError(`${path}: cannot ${doing}: ${advice} (${code})`);
}

/** A whole file's bytes; errors name the file and what to do. */
export function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fileError(e, path, 'read');
  }
}

export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) {
    const file = fileInTheWay(dir);
    throw new DataError(file ? `${dir}: ${what} not found (${file} is a file)` : `${dir}: ${what} not found`);
  }
  if (!statSync(dir).isDirectory()) throw new DataError(`${dir}: ${what} is not a folder`);
}

export const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** Image formats a user might drop into a dataset folder; only PNG is decoded, the rest are refused by name. */
const OTHER_IMAGE_TYPES = new Set(['.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp']);

function readDir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw fileError(e, dir, 'read');
  }
}

/** Sub-folder names, sorted. */
export const subdirs = (dir: string) =>
  readDir(dir)
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();

/**
 * The .png files of a folder as full paths, sorted by name (code-unit order, the same on every platform). Other image
 * formats are an error rather than silently skipped; unrelated files (notes, hidden files) are ignored.
 */
export function listPngs(dir: string, what: string, allowEmpty = false): string[] {
  requireDir(dir, what);
  const names = readDir(dir)
    .map((e) => e.name)
    .filter((n) => !n.startsWith('.'))
    .sort();
  const other = names.find((n) => OTHER_IMAGE_TYPES.has(extname(n).toLowerCase()));
  if (other) throw new DataError(`${join(dir, other)}: only PNG images are supported; convert this file to PNG`);
  const pngs = names.filter((n) => extname(n).toLowerCase() === '.png').map((n) => join(dir, n));
  if (pngs.length === 0 && !allowEmpty) throw new DataError(`${dir}: ${what} has no .png images`);
  return pngs;
}

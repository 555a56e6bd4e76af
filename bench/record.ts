// Each benchmark run's record: a JSON file in bench/results/ (not committed) with the git commit it measured.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

/** The checked-out commit, marked when the work tree has uncommitted changes to tracked files. */
export function gitCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return (
      git('rev-parse', 'HEAD') +
      (git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : '')
    );
  } catch {
    return 'unknown';
  }
}

/** Writes `fields` with the date and commit to bench/results/<prefix><date>.json; returns the file's path. */
export function writeRecord(prefix: string, fields: Record<string, unknown>): string {
  const date = new Date();
  const record = { date: date.toISOString(), commit: gitCommit(), ...fields };
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${prefix}${date.toISOString().replace(/[:.]/g, '-')}.json`, dir);
  writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`);
  return file.pathname;
}

// The `cavga` command run in a child process as a user runs it, the check every refusal shares (exit 1, one line naming
// the problem, no stack trace), and a tiny calibrated checkpoint made in this process without training.

import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { calibrateOn } from '../../src/anomaly/evaluate.ts';
import { Dataset } from '../../src/anomaly/data/dataset.ts';
import { saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { detectorCheckpoint } from '../../src/anomaly/detector.ts';
import { createDetector } from '../../src/detectors.ts';
import '../../src/devices.ts';
import { squareDefects, SIZE } from './square-defects.ts';

export const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cavga.mjs');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (root only): how a test meets permission errors, which root itself never gets. */
  uid?: number;
  gid?: number;
  /** A file descriptor for the command's standard output (e.g. /dev/full opened); otherwise it is captured. */
  stdout?: number;
}

/**
 * Where Mesa keeps the kernels lavapipe compiled. Tests give the command a cache folder of its own (XDG_CACHE_HOME, for
 * the built-in dataset), under which Mesa would start empty and compile every kernel again in every run: a two-step
 * `cavga train` took 58 s instead of 10 s on a loaded machine.
 */
const SHADER_CACHE = process.env.MESA_SHADER_CACHE_DIR ?? process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
const withShaderCache = (env: NodeJS.ProcessEnv = process.env) => ({ ...env, MESA_SHADER_CACHE_DIR: SHADER_CACHE });

export function runCavga(args: string[], o: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: withShaderCache(o.env),
    uid: o.uid,
    gid: o.gid,
    stdio: ['pipe', o.stdout ?? 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr };
}

/** The same, without blocking, for tests that signal the child. */
export const spawnCavga = (args: string[], env?: NodeJS.ProcessEnv) =>
  spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: withShaderCache(env) });

/** Lavapipe's Dawn prints these on stderr at device creation; they are not the command's output. */
const DAWN_NOTICE = /^Warning: \w+ artificially reduced/;

/** stderr without Dawn's notices, as lines. */
export const errorLines = (r: CliResult) =>
  r.err
    .split('\n')
    .filter((line) => line && !DAWN_NOTICE.test(line))
    .map((line) => line.trimEnd());

/**
 * A refusal: exit code 1 and, last on stderr (after any progress lines), exactly one line `error: ...` that matches
 * `message`; no stack trace.
 */
export function expectRefusal(r: CliResult, message: RegExp, what = message.source): void {
  const lines = errorLines(r);
  expect(r.code, `${what}: ${r.err}`).toBe(1);
  expect(
    lines.filter((line) => /^error: /.test(line)),
    what,
  ).toHaveLength(1);
  expect(lines.at(-1), what).toMatch(/^error: /);
  expect(lines.at(-1), what).toMatch(message);
  expect(r.err, what).not.toMatch(/\n\s+at /);
}

/** A CAVGA-Du checkpoint of 16 x 16 RGB images, width 2, calibrated on a few images: what eval and infer read. */
export async function tinyCheckpoint(path: string): Promise<void> {
  const detector = createDetector(
    'cavga-du',
    { imageSize: SIZE, channels: 3, seed: 1 },
    { width: 2, 'latent-channels': 2 },
  );
  await calibrateOn(detector, Dataset.load(squareDefects(4, 0, 0).train, { size: SIZE, channels: 3 }, 'train'));
  await saveCheckpoint(path, detectorCheckpoint(detector, 1));
}

// A run folder's own records, read back on --resume and for the loss curves: config.json (the settings the run trains
// with, and what each resume changed), each category's checkpoint and metrics.jsonl (one JSON record of loss terms per
// step). A damaged file is refused in one line naming it and what to do, before anything in the folder is written.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, oneLine } from '../anomaly/data/errors.ts';
import { readFile } from '../anomaly/data/files.ts';
import { UsageError, type Parsed } from './args.ts';
import { savedStep } from './model-files.ts';

/** A category's files in the run folder: <out>/<category>/checkpoint.safetensors and metrics.jsonl. */
export const CHECKPOINT = 'checkpoint.safetensors';
export const METRICS_LOG = 'metrics.jsonl';

/** The options --resume may change, as named in the config (at any depth) and on the command line. */
const RESUMABLE = ['lr', 'steps', 'epochs'];

/** One resume that changed settings: when, each changed setting's old and new value, each category's step then. */
export interface ResumeRecord {
  resumed: string;
  changed: Record<string, [unknown, unknown]>;
  atStep: Record<string, number>;
}

export type RunConfig = Record<string, unknown> & { history?: ResumeRecord[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseRunConfig(text: string, path: string): RunConfig {
  const damaged = (why: string) =>
    new DataError(`${path}: not a run's config (${why}); restore it, or start a new run with another --out`);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw damaged(oneLine((e as Error).message));
  }
  if (!isObject(config)) throw damaged('not a JSON object');
  if (config.history !== undefined && !Array.isArray(config.history)) throw damaged('its history is not a list');
  return config;
}

export const readRunConfig = (path: string): RunConfig => parseRunConfig(readFile(path).toString('utf8'), path);

/** A config's settings as dotted paths (cavga.lr) with their values as JSON, lists taken whole; history left out. */
function flatten(config: Record<string, unknown>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(config)) {
    if (prefix === '' && key === 'history') continue;
    if (isObject(value)) flatten(value, `${prefix}${key}.`, out);
    else out.set(`${prefix}${key}`, JSON.stringify(value));
  }
  return out;
}

const optionOf = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/** The run's own values of the options --resume may change (null: not set), which a resume keeps unless given. */
export function resumableValues(config: RunConfig): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of flatten(config))
    if (RESUMABLE.includes(optionOf(key))) values[optionOf(key)] = JSON.parse(value);
  return values;
}

/** Learning rate and step count: on --resume, the run's own (its config.json) unless given again. */
export function keepRunValues(v: Parsed, given: string[], previous: RunConfig): void {
  for (const [name, value] of Object.entries(resumableValues(previous))) {
    if (!given.includes(name)) v[name] = (value ?? undefined) as number | undefined;
  }
  // --steps given alone replaces the run's epochs, which would otherwise win.
  if (given.includes('steps') && !given.includes('epochs')) v.epochs = undefined;
}

/**
 * The settings of `current` that differ from the run's config.json (at `path`, holding `previous`), each with its old
 * and new value. Refuses, naming the setting, a change to anything but the learning rate and the step count.
 */
export function resumeChanges(previous: RunConfig, current: object, path: string): Record<string, [unknown, unknown]> {
  const [was, is] = [flatten(previous), flatten(JSON.parse(JSON.stringify(current)) as RunConfig)];
  const changed: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    const [a, b] = [was.get(key), is.get(key)];
    if (a === b) continue;
    if (!RESUMABLE.includes(optionOf(key))) {
      throw new UsageError(
        `cavga train: ${path} was written with other settings: ${key} is ${a ?? 'not set'} there, ${b ?? 'not set'} now; --resume may change only --lr, --steps and --epochs`,
      );
    }
    changed[key] = [a === undefined ? null : JSON.parse(a), b === undefined ? null : JSON.parse(b)];
  }
  return changed;
}

/**
 * The config a resumed run writes: `current`, with the run's history and, when settings `changed`, a record of it
 * (`atStep`: each category's step then).
 */
export function resumedConfig(
  previous: RunConfig,
  current: object,
  changed: Record<string, [unknown, unknown]>,
  atStep: Record<string, number>,
): RunConfig {
  const history = [...(previous.history ?? [])];
  if (Object.keys(changed).length) history.push({ resumed: new Date().toISOString(), changed, atStep });
  const config = JSON.parse(JSON.stringify(current)) as RunConfig;
  return history.length ? { ...config, history } : config;
}

/** One line of metrics.jsonl: the step (from 1) and its loss terms. */
export type MetricsRecord = { step: number } & Record<string, number>;

/**
 * The records of a metrics.jsonl text, steps increasing. A last line without its newline that does not parse is what a
 * run killed while appending leaves: it is dropped (its step is past the run's checkpoint, so it is trained again).
 */
export function parseMetricsLog(text: string, path: string): MetricsRecord[] {
  const lines = text.split('\n');
  const last = lines.pop()!; // '' when the text ends with a newline
  const records: MetricsRecord[] = [];
  const add = (line: string, n: number) => {
    const damaged = (why: string) =>
      new DataError(
        `${path}: line ${n} ${why}; the log is damaged: delete it to go on without the losses logged so far`,
      );
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw damaged('is not JSON');
    }
    if (!isObject(record) || !Number.isSafeInteger(record.step) || (record.step as number) < 1)
      throw damaged('is not a record of a step');
    const bad = Object.entries(record).find(([, v]) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad) throw damaged(`has a loss '${oneLine(bad[0], 40)}' that is not a number`);
    const previous = records.at(-1)?.step ?? 0;
    if ((record.step as number) <= previous) throw damaged(`goes back to step ${record.step} after step ${previous}`);
    records.push(record as MetricsRecord);
  };
  lines.forEach((line, k) => line && add(line, k + 1));
  if (last) {
    try {
      add(last, lines.length + 1);
    } catch {
      // torn by a kill while appending
    }
  }
  return records;
}

/** The records of a category's metrics.jsonl; none when there is no such file. */
export const readMetricsLog = (path: string): MetricsRecord[] =>
  existsSync(path) ? parseMetricsLog(readFile(path).toString('utf8'), path) : [];

/**
 * The records of a resumed category's log up to its checkpoint's `step`, or null when it has no log. Refuses a log that
 * ends before the checkpoint (it lost steps), so the run does not go on with a gap in its losses.
 */
export function metricsUpTo(path: string, step: number): MetricsRecord[] | null {
  if (!existsSync(path)) return null;
  const records = readMetricsLog(path);
  const last = records.at(-1)?.step ?? 0;
  if (last < step) {
    throw new DataError(
      `${path}: the log ends at step ${last} but the checkpoint is at step ${step}; delete it to go on without the losses logged so far`,
    );
  }
  return records.filter((r) => r.step <= step);
}

/** metrics.jsonl text of these records. */
export const metricsText = (records: readonly MetricsRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Where a resumed category starts: its checkpoint's step and its metrics up to there (null: no log). */
export interface ResumePoint {
  step: number;
  logged: MetricsRecord[] | null;
}

/**
 * Each category's checkpoint step and metrics log in the run folder `out`, read before anything is written; a problem
 * line for each that cannot go on (a damaged log, a checkpoint past the `stepsOf` it asked for; null: not by steps).
 */
export async function resumePoints<C extends { name: string }>(
  out: string,
  categories: readonly C[],
  stepsOf: (category: C) => number | null,
  problems: string[],
): Promise<Record<string, ResumePoint>> {
  const points: Record<string, ResumePoint> = {};
  for (const category of categories) {
    const checkpoint = join(out, category.name, CHECKPOINT);
    if (!existsSync(checkpoint)) continue;
    try {
      const step = await savedStep(checkpoint);
      const steps = stepsOf(category);
      if (steps !== null && step > steps)
        throw new DataError(
          `${checkpoint}: trained for ${step} steps already, more than the ${steps} asked for; give --steps ${step} or more`,
        );
      points[category.name] = { step, logged: metricsUpTo(join(out, category.name, METRICS_LOG), step) };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      problems.push(e.message);
    }
  }
  return points;
}

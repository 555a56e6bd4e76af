// A run folder's records, read back on --resume: config.json (what a resume may change, and its history) and
// metrics.jsonl (a torn last line from a kill is dropped; damage elsewhere is refused), and both parsers under seeded
// fuzzing: every mutated file is read consistently or refused in one line naming it.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/args.ts';
import {
  metricsText,
  metricsUpTo,
  parseMetricsLog,
  parseRunConfig,
  resumableValues,
  resumeChanges,
  resumedConfig,
  type MetricsRecord,
  type RunConfig,
} from '../../src/cli/run-folder.ts';
import { editJson, fuzz, fuzzInputs, type Mutator } from '../helpers/fuzz.ts';

const dir = mkdtempSync(join(tmpdir(), 'cavga-run-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = {
  cavga: { imageSize: 16, channels: 3, width: 2, lr: 0.001, betas: [0.5, 0.999], weights: { kl: 0.01 } },
  seed: 0,
  dataset: 'builtin',
  data: null,
  categories: 'weave',
  batchSize: 4,
  steps: 30,
  epochs: null,
};
const withChanges = (changes: { lr?: number; steps?: number; width?: number }) => ({
  ...config,
  cavga: { ...config.cavga, lr: changes.lr ?? 0.001, width: changes.width ?? 2 },
  steps: changes.steps ?? 30,
});
const records = (n: number): MetricsRecord[] =>
  Array.from({ length: n }, (_, k) => ({ step: k + 1, total: 1 / (k + 1), reconstruction: 0.5 / (k + 1) }));

/** resumeChanges, then resumedConfig: what train does on --resume. */
function resume(previous: RunConfig, current: object, path: string, atStep: Record<string, number>) {
  const changed = resumeChanges(previous, current, path);
  return { config: resumedConfig(previous, current, changed, atStep), changed };
}

describe('config.json on --resume', () => {
  it('keeps the same settings without a history entry', () => {
    expect(resume(config, config, 'run/config.json', { weave: 30 })).toEqual({ config, changed: {} });
  });

  it('records a changed learning rate and step count with the steps they took effect at; refuses anything else', () => {
    const { config: next, changed } = resume(config, withChanges({ lr: 1e-4, steps: 40 }), 'run/config.json', {
      weave: 17,
    });
    expect(changed).toEqual({ 'cavga.lr': [0.001, 1e-4], steps: [30, 40] });
    expect(next.history).toHaveLength(1);
    expect(next.history![0]).toMatchObject({ changed, atStep: { weave: 17 } });
    expect(Date.parse(next.history![0].resumed)).toBeGreaterThan(0);
    expect(resumableValues(next)).toEqual({ lr: 1e-4, steps: 40, epochs: null });
    // A later resume keeps the history and adds to it.
    const later = resume(next, withChanges({ lr: 1e-5, steps: 40 }), 'run/config.json', { weave: 40 }).config;
    expect(later.history!.map((h) => h.changed)).toEqual([changed, { 'cavga.lr': [1e-4, 1e-5] }]);

    expect(() => resumeChanges(config, withChanges({ width: 3 }), 'run/config.json')).toThrow(
      new UsageError(
        'cavga train: run/config.json was written with other settings: cavga.width is 2 there, 3 now; --resume may change only --lr, --steps and --epochs',
      ),
    );
    expect(() => resumeChanges(config, { ...config, categories: 'grain' }, 'c.json')).toThrow(
      /c\.json was written with other settings: categories is "weave" there, "grain" now/,
    );
  });
});

describe('metrics.jsonl', () => {
  it('drops a torn last line (a kill while appending) and refuses damage elsewhere, naming the line', () => {
    const text = metricsText(records(5));
    expect(parseMetricsLog(text, 'm.jsonl')).toEqual(records(5));
    expect(parseMetricsLog(text + '{"step":6,"tot', 'm.jsonl')).toEqual(records(5));
    expect(parseMetricsLog(text + '{"step":6,"total":1}', 'm.jsonl')).toHaveLength(6); // complete, only unterminated
    const lines = text.split('\n');
    const damaged: [string, RegExp][] = [
      [
        [lines[0], lines[1].slice(0, 9), ...lines.slice(2)].join('\n'),
        /^m\.jsonl: line 2 is not JSON; the log is damaged/,
      ],
      [[lines[0], lines[0], ...lines.slice(2)].join('\n'), /line 2 goes back to step 1 after step 1/],
      [text.replace('"step":3', '"step":"3"'), /line 3 is not a record of a step/],
      [text.replace('"total":0.25', '"total":null'), /line 4 has a loss 'total' that is not a number/],
    ];
    for (const [bad, message] of damaged) expect(() => parseMetricsLog(bad, 'm.jsonl')).toThrow(message);
  });

  it('on resume, keeps the steps up to the checkpoint and refuses a log that ends before it', () => {
    const path = join(dir, 'metrics.jsonl');
    expect(metricsUpTo(path, 10)).toBeNull(); // no log: the run goes on without the earlier losses
    writeFileSync(path, metricsText(records(12)));
    expect(metricsUpTo(path, 10)).toEqual(records(10));
    writeFileSync(path, metricsText(records(3)));
    expect(() => metricsUpTo(path, 10)).toThrow(
      `${path}: the log ends at step 3 but the checkpoint is at step 10; delete it to go on without the losses logged so far`,
    );
  });
});

const NAME = 'run/config.json';
const names = /^(cavga train: )?run\/(config|metrics)\.json/;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const BAD_VALUES: unknown[] = [null, -1, 1e308, 'x', [], {}, true, [1, 2], { lr: 0.1 }];
/** A setting given another value or type, removed, or added; the history made something other than a list. */
const configEdit: Mutator = (bytes, rng) => {
  try {
    return new TextEncoder().encode(
      editJson(text(bytes), (json) => {
        const target = rng.int(2) && typeof json.cavga === 'object' && json.cavga ? (json.cavga as typeof json) : json;
        const keys = Object.keys(target);
        const key = rng.pick([...keys, 'history', 'lr', 'steps', '__proto__', 'constructor']);
        if (rng.int(4) === 0) delete target[key];
        else target[key] = rng.pick(BAD_VALUES);
      }),
    );
  } catch {
    return bytes;
  }
};

/** A line's step or a loss made wrong: a string, negative, fractional, repeated, missing; or lines swapped. */
const metricsEdit: Mutator = (bytes, rng) => {
  const lines = text(bytes).split('\n');
  const k = rng.int(lines.length);
  try {
    const record = JSON.parse(lines[k]) as Record<string, unknown>;
    const key = rng.pick(['step', 'total', 'reconstruction']);
    if (rng.int(5) === 0) delete record[key];
    else record[key] = rng.pick([...BAD_VALUES, 0, 2.5, Infinity]);
    lines[k] = JSON.stringify(record);
  } catch {
    [lines[k], lines[0]] = [lines[0], lines[k]];
  }
  return new TextEncoder().encode(lines.join('\n'));
};

describe('run folder parsers under fuzzing', () => {
  it('config.json: 1,500 mutated files parsed and compared with the run, or refused in one line naming the file', () => {
    const seeds = [encode(config), encode(resume(config, withChanges({ lr: 1e-4 }), NAME, { weave: 3 }).config)];
    const outcome = fuzz(
      fuzzInputs(seeds, 1500, [configEdit, configEdit], 31),
      (bytes) => resume(parseRunConfig(text(bytes), NAME), withChanges({ lr: 1e-4 }), NAME, {}),
      {
        names,
        check: ({ config: next }) => {
          // Accepted: the current settings, and a history that is a list.
          expect({ ...next, history: undefined }).toEqual({ ...withChanges({ lr: 1e-4 }), history: undefined });
          expect(next.history === undefined || Array.isArray(next.history)).toBe(true);
        },
      },
    );
    expect(outcome.refused).toBeGreaterThan(700);
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });

  it('metrics.jsonl: 1,500 mutated logs read as increasing steps of finite losses, or refused naming the line', () => {
    const seed = new TextEncoder().encode(metricsText(records(20)));
    const outcome = fuzz(
      fuzzInputs([seed], 1500, [metricsEdit, metricsEdit], 32),
      (bytes) => parseMetricsLog(text(bytes), 'run/metrics.jsonl'),
      {
        names,
        check: (read) => {
          read.forEach((r, k) => {
            expect(Number.isSafeInteger(r.step) && r.step > (read[k - 1]?.step ?? 0)).toBe(true);
            expect(Object.values(r).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
          });
        },
      },
    );
    expect(outcome.refused).toBeGreaterThan(700);
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });
});

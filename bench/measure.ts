// Runs one case on both engines: a checked warm-up, then timed runs with the engines alternating.

import { memory } from '../src/index.ts';
import type { Case, Output, Side } from './cases.ts';
import type { Engines } from './engines.ts';

export interface Plan {
  /** Untimed runs per engine before timing; the first one's outputs are compared between the engines. At least 1. */
  warmup: number;
  /** Timed runs per engine; each figure is their median. */
  runs: number;
  /** When set, a case stops timing once its timed runs have taken this long (after at least one run per engine). */
  budgetMs?: number;
}

export interface Measured {
  ours: number[]; // ms per timed run, in order
  tfjs: number[];
  oursMedian: number;
  tfjsMedian: number;
  /** Largest |ours - tfjs| over all outputs, divided by the largest |ours| of that output. */
  maxRelError: number;
  /** Set when a case left tensors behind on either engine (a bug in the case or in an engine). */
  leak?: string;
}

/** Outputs agree when their largest difference is this small relative to their largest value (float32, sums of ~1e4). */
export const CHECK_TOLERANCE = 1e-3;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function release(side: Side, outputs: Output[]): void {
  if (!side.outputsAreState) for (const o of outputs) o.dispose();
}

/** One timed run: record the op, then read its first output back so the queued work is inside the measurement. */
async function timeOnce(side: Side): Promise<number> {
  const start = performance.now();
  const outputs = side.run();
  await outputs[0].data();
  const ms = performance.now() - start;
  release(side, outputs);
  return ms;
}

async function readAll(side: Side): Promise<Float32Array[]> {
  const outputs = side.run();
  const values = [];
  for (const o of outputs) values.push(Float32Array.from(await o.data()));
  release(side, outputs);
  return values;
}

function relError(ours: Float32Array, theirs: Float32Array): number {
  if (ours.length !== theirs.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(ours[i]));
  }
  return Number.isFinite(diff) ? diff / Math.max(scale, 1e-30) : Infinity; // NaN compares false above: caught here
}

function liveTensors(e: Engines): { ours: number; tfjs: number } {
  return { ours: memory('webgpu').liveStorages, tfjs: e.tf.memory().numTensors };
}

export async function measure(c: Case, e: Engines, plan: Plan): Promise<Measured> {
  const before = liveTensors(e);
  const prepared = c.prepare(e);
  const { ours, tfjs } = prepared;
  let result: Measured;
  try {
    // The first warm-up compiles each engine's pipelines and gives the outputs that are compared.
    const [a, b] = [await readAll(ours), await readAll(tfjs)];
    const toOurs = prepared.tfjsToOurs ?? ((v: Float32Array) => v);
    const maxRelError = a.length === b.length ? Math.max(...a.map((v, i) => relError(v, toOurs(b[i], i)))) : Infinity;
    for (let i = 1; i < plan.warmup; i++) {
      await timeOnce(ours);
      await timeOnce(tfjs);
    }
    const times = { ours: [] as number[], tfjs: [] as number[] };
    const timingStart = performance.now();
    for (let i = 0; i < plan.runs; i++) {
      if (i > 0 && plan.budgetMs !== undefined && performance.now() - timingStart > plan.budgetMs) break;
      // Alternate which engine goes first, so neither always runs right after the other's readback.
      const order = i % 2 === 0 ? (['ours', 'tfjs'] as const) : (['tfjs', 'ours'] as const);
      for (const engine of order) times[engine].push(await timeOnce(prepared[engine]));
    }
    result = { ...times, oursMedian: median(times.ours), tfjsMedian: median(times.tfjs), maxRelError };
  } finally {
    ours.dispose();
    tfjs.dispose();
  }
  const after = liveTensors(e);
  if (after.ours !== before.ours || after.tfjs !== before.tfjs) {
    result.leak = `live tensors before/after: ours ${before.ours}/${after.ours}, tfjs ${before.tfjs}/${after.tfjs}`;
  }
  return result;
}

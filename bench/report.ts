// The results table (printed) and record (JSON), and the summary against issue 3's targets.

import type { Case, Work } from './cases.ts';
import { CHECK_TOLERANCE, median, type Measured } from './measure.ts';

export interface Rate {
  value: number;
  unit: 'GFLOP/s' | 'GB/s' | 'us/op';
}

export interface Row extends Measured {
  case: string;
  group: Case['group'];
  shape: string;
  work: Work;
  /** tfjs's median time over ours: above 1 when we are faster. */
  speedup: number;
  oursRate: Rate;
  tfjsRate: Rate;
  checked: boolean; // outputs agreed within CHECK_TOLERANCE
}

export function rate(work: Work, ms: number): Rate {
  if ('flops' in work) return { value: work.flops / ms / 1e6, unit: 'GFLOP/s' };
  if ('bytes' in work) return { value: work.bytes / ms / 1e6, unit: 'GB/s' };
  return { value: (ms * 1000) / work.ops, unit: 'us/op' };
}

export function toRow(c: Case, m: Measured): Row {
  return {
    case: c.name,
    group: c.group,
    shape: c.shape,
    work: c.work,
    ...m,
    speedup: m.tfjsMedian / m.oursMedian,
    oursRate: rate(c.work, m.oursMedian),
    tfjsRate: rate(c.work, m.tfjsMedian),
    checked: m.maxRelError <= CHECK_TOLERANCE,
  };
}

const ms = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
const rateText = (r: Rate) => `${r.value.toFixed(r.value < 10 ? 2 : 1)} ${r.unit}`;

export function table(rows: Row[]): string {
  const header = ['case', 'shape', 'ours ms', 'tfjs ms', 'speed-up', 'ours rate'];
  const cells = rows.map((r) => [
    (r.checked ? '' : '! ') + r.case,
    r.shape,
    ms(r.oursMedian),
    ms(r.tfjsMedian),
    `${r.speedup.toFixed(2)}x`,
    rateText(r.oursRate),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const numeric = [false, false, true, true, true, true];
  const line = (c: string[]) =>
    `| ${c.map((s, i) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

export interface Summary {
  /** Median speed-up over the conv, transposed-conv and matmul cases (the issue's target: at least 2). */
  medianKernelSpeedup: number | null;
  /** Cases where tfjs was faster (the issue's target: none). */
  slower: string[];
  /** Dispatch overhead in microseconds per op (the issue's target: ours below tfjs's). */
  dispatch: { ours: number; tfjs: number } | null;
  /** Cases whose outputs disagreed between the engines, or that left tensors alive. */
  mismatched: string[];
  leaked: string[];
}

export function summarize(rows: Row[]): Summary {
  const kernels = rows.filter((r) => r.group === 'conv' || r.group === 'conv_transpose' || r.group === 'matmul');
  const dispatch = rows.find((r) => r.group === 'dispatch');
  return {
    medianKernelSpeedup: kernels.length ? median(kernels.map((r) => r.speedup)) : null,
    slower: rows.filter((r) => r.speedup < 1).map((r) => r.case),
    dispatch: dispatch ? { ours: dispatch.oursRate.value, tfjs: dispatch.tfjsRate.value } : null,
    mismatched: rows
      .filter((r) => !r.checked)
      .map((r) => `${r.case} (max relative error ${r.maxRelError.toExponential(1)})`),
    leaked: rows.filter((r) => r.leak).map((r) => `${r.case}: ${r.leak}`),
  };
}

export function summaryText(s: Summary): string {
  const lines = [];
  if (s.medianKernelSpeedup !== null)
    lines.push(
      `median speed-up over conv, transposed-conv and matmul cases: ${s.medianKernelSpeedup.toFixed(2)}x (target: at least 2x)`,
    );
  lines.push(s.slower.length ? `slower than tfjs: ${s.slower.join('; ')}` : 'slower than tfjs: none');
  if (s.dispatch)
    lines.push(`dispatch overhead: ours ${s.dispatch.ours.toFixed(1)} us/op, tfjs ${s.dispatch.tfjs.toFixed(1)} us/op`);
  lines.push(
    s.mismatched.length
      ? `OUTPUTS DIFFER (marked '!'; their timings compare different work): ${s.mismatched.join('; ')}`
      : `outputs of both engines agree on every case (max relative error <= ${CHECK_TOLERANCE})`,
  );
  if (s.leaked.length) lines.push(`LEAKS: ${s.leaked.join('; ')}`);
  return lines.join('\n');
}

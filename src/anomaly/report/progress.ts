// A progress bar for long work (training, evaluation). On a terminal it redraws one line in place with '\r', at most
// ten times a second; anywhere else (a log file, CI) it prints a plain line every `logEvery` steps or `logEveryMs`
// milliseconds, whichever comes first, so 10k fast updates give a handful of lines rather than 10k.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the bar is cut to it, because a wrapped line can no longer be redrawn in place. */
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  label?: string;
  /** Steps already done (a resumed run), not counted in the speed. */
  start?: number;
  stream?: ProgressStream;
  /** Non-terminal output: a line every this many steps (default: every 10% of total)... */
  logEvery?: number;
  /** ...or after this many milliseconds without one (default 30 s). */
  logEveryMs?: number;
  /** Clock in milliseconds, replaceable for tests. */
  now?: () => number;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

/** Four significant digits, or three in exponent form outside [1e-3, 1e5): short, without trailing zeros. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? Number(v.toPrecision(3)).toExponential() : String(Number(v.toPrecision(4)));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly logEvery: number;
  private readonly logEveryMs: number;
  private readonly now: () => number;
  private readonly startStep: number;
  private readonly startTime: number;
  private step: number;
  private values: Record<string, number> = {};
  private lastDraw = -Infinity;
  private lastLogStep: number;
  private lastLogTime: number;
  private finished = false;

  constructor(options: ProgressOptions) {
    this.total = options.total;
    this.label = options.label ?? '';
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.logEvery = Math.max(1, options.logEvery ?? Math.ceil(options.total / 10));
    this.logEveryMs = options.logEveryMs ?? 30_000;
    this.now = options.now ?? (() => performance.now());
    this.startStep = this.step = this.lastLogStep = options.start ?? 0;
    this.startTime = this.lastLogTime = this.now();
  }

  /** Records that `step` steps are done, with the current named values (e.g. losses), and shows it when due. */
  update(step: number, values?: Record<string, number>): void {
    this.step = step;
    if (values) this.values = { ...this.values, ...values };
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw >= REDRAW_MS || step >= this.total) this.redraw(t);
    } else if (step - this.lastLogStep >= this.logEvery || t - this.lastLogTime >= this.logEveryMs) {
      this.stream.write(this.line(t) + '\n');
      this.lastLogStep = step;
      this.lastLogTime = t;
    }
  }

  /** One more step done. */
  tick(values?: Record<string, number>): void {
    this.update(this.step + 1, values);
  }

  /** Prints a message on its own line without garbling the bar, which is drawn again below it. */
  log(message: string): void {
    if (this.tty) this.stream.write('\r\x1b[K');
    this.stream.write(message + '\n');
    if (this.tty && !this.finished) this.redraw(this.now());
  }

  /** Shows the final state once and ends the line. */
  finish(values?: Record<string, number>): void {
    if (this.finished) return;
    if (values) this.values = { ...this.values, ...values };
    this.finished = true;
    const t = this.now();
    if (this.tty) this.redraw(t);
    // Unless the last logged line already shows this step; a run that never moved still gets its one line.
    else if (this.step !== this.lastLogStep || this.step === this.startStep) this.stream.write(this.line(t) + '\n');
    if (this.tty) this.stream.write('\n');
  }

  private redraw(t: number): void {
    this.lastDraw = t;
    const columns = this.stream.columns ?? 80;
    this.stream.write('\r' + this.line(t).slice(0, columns - 1) + '\x1b[K');
  }

  /** e.g. "train  42% [########------------] 420/1000 12.3 it/s ETA 47s | l_adv 0.6931 l_ae 0.0123" */
  private line(t: number): string {
    const fraction = this.total > 0 ? Math.min(1, this.step / this.total) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const elapsed = (t - this.startTime) / 1000;
    const rate = elapsed > 0 ? (this.step - this.startStep) / elapsed : NaN;
    const eta =
      this.step >= this.total
        ? `took ${formatDuration(elapsed)}`
        : `ETA ${formatDuration((this.total - this.step) / rate)}`;
    // Slow steps read better as seconds per step than as 0.0123 it/s.
    let speed = '? it/s';
    if (Number.isFinite(rate))
      speed = rate >= 1 || rate === 0 ? `${formatValue(rate)} it/s` : `${formatValue(1 / rate)} s/it`;
    const values = Object.entries(this.values).map(([k, v]) => `${k} ${formatValue(v)}`);
    return [
      this.label,
      `${String(Math.floor(fraction * 100)).padStart(3)}%`,
      `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`,
      `${this.step}/${this.total}`,
      speed,
      eta,
      ...(values.length ? ['|', ...values] : []),
    ]
      .filter((part) => part !== '')
      .join(' ');
  }
}

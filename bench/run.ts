// `npm run bench [-- --quick] [-- --filter TEXT]`: our engine against TensorFlow.js's WebGPU backend on the same adapter,
// in this process, on the cases of bench/cases.ts. Prints one table and writes it, with the adapter, the machine and the
// git commit, to bench/results/<date>.json. `npm run bench -- --step` times the CAVGA training step instead (step.ts).
// bench/NOTES.md describes the method.

import os from 'node:os';
import { allCases } from './cases.ts';
import { describeAdapters, startEngines } from './engines.ts';
import { describeMachine, machineText } from './machine.ts';
import { measure, type Plan } from './measure.ts';
import { writeRecord } from './record.ts';
import { summarize, summaryText, table, toRow, type Row } from './report.ts';
import { runStepBench, stepSizesNamed } from './step.ts';

const USAGE = [
  'usage: npm run bench [-- --quick] [-- --filter TEXT]  (TEXT: a substring of case names, e.g. "grad-weight")',
  '       npm run bench -- --step [--quick] [--filter NAME] [--no-torch]  (NAME: default, paper or small)',
].join('\n');

/** Bad arguments: reported in one line with the usage, without a stack trace. */
class UsageError extends Error {}

interface Args {
  quick: boolean;
  filter: string | null;
  step: boolean;
  torch: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, filter: null, step: false, torch: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--step') args.step = true;
    else if (argv[i] === '--no-torch') args.torch = false;
    else if (argv[i] === '--filter' && i + 1 < argv.length) args.filter = argv[++i];
    else throw new UsageError(`unknown argument '${argv[i]}'\n${USAGE}`);
  }
  if (!args.torch && !args.step) throw new UsageError(`--no-torch applies to --step only\n${USAGE}`);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.step) {
    if (!stepSizesNamed(args.filter).length)
      throw new UsageError(`--filter: no step size is named like '${args.filter}'\n${USAGE}`);
    return runStepBench(args);
  }
  const { quick, filter } = args;
  // Quick: one warm-up (the checked one) and up to 3 timed runs, fewer for the slowest cases (tfjs's weight gradient of
  // R.layer4 takes 8 s a run), so the whole list fits in 3 minutes on 2 CPU cores even with other work running.
  const plan: Plan = quick ? { warmup: 1, runs: 3, budgetMs: 4000 } : { warmup: 2, runs: 10 };
  const runsText = plan.budgetMs
    ? `up to ${plan.runs} timed runs (fewer once a case's timed runs pass ${plan.budgetMs / 1000} s)`
    : `${plan.runs} timed runs`;
  const cases = allCases().filter((c) => !filter || c.name.includes(filter));
  if (!cases.length) throw new UsageError(`--filter: no case name contains '${filter}'\n${USAGE}`);

  // The adapter is a CPU driver here: other processes on the machine slow both engines unevenly, so the record keeps the
  // load average from before and after the run.
  const loadBefore = os.loadavg()[0];
  const engines = await startEngines();
  const adapter = describeAdapters(engines);
  const machine = describeMachine();
  console.error(
    `adapter: ${adapter}; ${machineText(machine)}\n${cases.length} cases, ${plan.warmup} warm-up + ${runsText} per engine each`,
  );
  const started = performance.now();
  const rows: Row[] = [];
  for (const [i, c] of cases.entries()) {
    const row = toRow(c, await measure(c, engines, plan));
    rows.push(row);
    console.error(
      `[${i + 1}/${cases.length}] ${c.name}: ours ${row.oursMedian.toFixed(1)} ms, tfjs ${row.tfjsMedian.toFixed(1)} ms${row.checked ? '' : ' OUTPUTS DIFFER'}${row.leak ? ` LEAK ${row.leak}` : ''}`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const load = { before: loadBefore, after: os.loadavg()[0], cpus: os.cpus().length };

  const summary = summarize(rows);
  console.log(
    `\nadapter: ${adapter}; ${machineText(machine)}; median of ${runsText} per figure, ${quick ? 'quick mode' : 'full mode'}, ${seconds.toFixed(0)} s, load average ${load.before.toFixed(1)} -> ${load.after.toFixed(1)} on ${load.cpus} CPUs\n`,
  );
  console.log(table(rows));
  console.log(`\n${summaryText(summary)}`);

  const file = writeRecord('', {
    mode: quick ? 'quick' : 'full',
    filter,
    plan,
    seconds,
    adapter: engines.adapters,
    tfjs: engines.tf.version_core,
    node: process.version,
    machine,
    load,
    summary,
    rows,
  });
  console.log(`\nwritten: ${file}`);
}

// Dawn's instances keep Node alive, so the program exits explicitly.
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);

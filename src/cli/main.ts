// The `cavga` command: train, eval and infer. Bad input prints one line naming the file or option and exits 1; no stack
// trace unless CAVGA_DEBUG is set.

import { DataError } from '../anomaly/data/index.ts';
import { fileError, fsErrorCode } from '../anomaly/data/files.ts';
import { UsageError } from './args.ts';
import { evaluate } from './eval.ts';
import { infer } from './infer.ts';
import { train, trainSummary } from './train.ts';

const commands: Record<string, (argv: string[]) => Promise<number>> = { train, eval: evaluate, infer };

const usage = `usage: cavga <command> [options]

commands:
  train   ${trainSummary}
  eval    Evaluates a checkpoint on a dataset (metrics, pictures, HTML report).
  infer   Scores PNG images with a checkpoint and writes heatmaps.

cavga <command> --help lists a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(usage);
    return command ? 0 : 1;
  }
  const run = commands[command];
  if (!run) {
    console.error(`cavga: unknown command '${command}'\n\n${usage}`);
    return 1;
  }
  return run(rest);
}

// Output that cannot be written (stdout redirected to a full disk) is one line and exit code 1, not a table lost with
// exit code 0. A reader that closed the pipe early (`cavga infer ... | head`) wanted no more of the table: the command
// goes on without it and still finishes its files (heatmaps, checkpoints).
process.stdout.on('error', (e: unknown) => {
  if (fsErrorCode(e) === 'EPIPE') return;
  console.error(`error: ${fileError(e, 'standard output', 'write').message}`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  // After the events already queued: a failed write to stdout reports its error first.
  (code) => setImmediate(() => process.exit(code)),
  (e: unknown) => {
    // File-system errors are translated where the path is known (fileError); any that is not still gets one line.
    const known =
      e instanceof UsageError ||
      e instanceof DataError ||
      fsErrorCode(e) !== undefined ||
      (e instanceof Error && /^(Checkpoint |loadSafetensors|Invalid safetensors|CAVGA)/.test(e.message));
    console.error(known && !process.env.CAVGA_DEBUG ? `error: ${(e as Error).message}` : e);
    process.exit(1);
  },
);

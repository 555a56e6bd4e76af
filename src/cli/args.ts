// Command-line options: one table per command gives names, types, defaults and help; parsing checks every value and
// reports one clear error naming the option, and says which options were given.

import { parseArgs } from 'node:util';
import type { SettingTable, Settings } from '../anomaly/settings.ts';

/** The options of a command: settings as anomaly/settings.ts describes them, detectors' own among them. */
export type OptionTable = SettingTable;
export type Parsed = Settings;

/** An error the CLI prints as one line, without a stack trace. */
export class UsageError extends Error {}

export function helpText(command: string, summary: string, table: OptionTable, positional = ''): string {
  const lines = [`usage: cavga ${command} [options]${positional ? ` ${positional}` : ''}`, '', summary, '', 'options:'];
  for (const [name, spec] of Object.entries(table)) {
    const value =
      spec.type === 'boolean'
        ? ''
        : spec.choices
          ? ` <${spec.choices.join('|')}>`
          : ` <${spec.type === 'string' ? 'value' : 'n'}>`;
    const def = spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${spec.default})` : '';
    const flag = `  --${name}${value}`;
    // A long choice list gets the help on its own line rather than running into it.
    lines.push(flag.length < 34 ? flag.padEnd(34) + spec.help + def : `${flag}\n${' '.repeat(34)}${spec.help}${def}`);
  }
  lines.push('  --help'.padEnd(34) + 'show this help');
  return lines.join('\n');
}

export function parseOptions(
  command: string,
  argv: string[],
  table: OptionTable,
): { values: Parsed; positionals: string[]; help: boolean; given: string[] } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(table))
    options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  let raw: ReturnType<typeof parseArgs>;
  try {
    raw = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(
      `cavga ${command}: ${(e as Error).message.replace(/\. To specify.*$/s, '')} (see cavga ${command} --help)`,
    );
  }
  const values: Parsed = {};
  for (const [name, spec] of Object.entries(table)) {
    const given = raw.values[name] as string | boolean | undefined;
    if (given === undefined) {
      values[name] = spec.default;
      continue;
    }
    if (spec.type === 'boolean' || spec.type === 'string') {
      if (spec.choices && !spec.choices.includes(given as string))
        throw new UsageError(`cavga ${command}: --${name} must be one of ${spec.choices.join(', ')}, got '${given}'`);
      values[name] = given;
      continue;
    }
    const n = Number(given);
    if (given === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
      throw new UsageError(
        `cavga ${command}: --${name} needs ${spec.type === 'integer' ? 'a whole number' : 'a number'}, got '${given}'`,
      );
    }
    if (spec.min !== undefined && n < spec.min)
      throw new UsageError(`cavga ${command}: --${name} must be at least ${spec.min}, got ${n}`);
    values[name] = n;
  }
  const given = Object.keys(raw.values).filter((name) => name !== 'help');
  return { values, positionals: raw.positionals, help: raw.values.help === true, given };
}

/**
 * Refuses the first given option that does not apply, in one line: `whyNot` gives what it does not apply to and why
 * (e.g. "to --model ae-l2: it has no discriminator"), or null when it applies.
 */
export function refuseInapplicable(command: string, given: string[], whyNot: (name: string) => string | null): void {
  for (const name of given) {
    const why = whyNot(name);
    if (why) throw new UsageError(`cavga ${command}: --${name} does not apply ${why} (see cavga ${command} --help)`);
  }
}

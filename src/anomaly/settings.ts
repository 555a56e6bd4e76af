// Settings a detector takes, described once (name, type, default, help, allowed values) so that a command line
// (`cavga train` and `cavga eval` list every detector's) or a page can offer them without knowing the detector.

export interface SettingSpec {
  type: 'string' | 'number' | 'integer' | 'boolean';
  help: string;
  default?: string | number | boolean;
  /** Allowed values for strings. */
  choices?: readonly string[];
  /** Smallest allowed number. */
  min?: number;
}

export type SettingTable = Record<string, SettingSpec>;

/** Values by setting name; undefined: not given. */
export type Settings = Record<string, string | number | boolean | undefined>;

/** `values` with the table's defaults where a value is not given. */
export function withDefaults(table: SettingTable, values: Settings): Settings {
  const filled: Settings = { ...values };
  for (const [name, spec] of Object.entries(table)) filled[name] ??= spec.default;
  return filled;
}

// Bad input data (missing folders, empty datasets, corrupt files, mismatched masks or channels) raises a DataError whose
// message names the file or folder and what is wrong, so a command line can print it alone, without a stack trace.

export class DataError extends Error {
  override readonly name = 'DataError';
}

/** A message from elsewhere (a JSON parser quoting its input, a decoder) as one short line, to quote inside ours. */
export function oneLine(message: string, max = 120): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

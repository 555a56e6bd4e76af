// Bad input data (missing folders, empty datasets, corrupt files, mismatched masks or channels) raises a DataError whose
// message names the file or folder and what is wrong, so a command line can print it alone, without a stack trace.

export class DataError extends Error {
  override readonly name = 'DataError';
}

// The niceness of a thread of this process (Linux): field 19 of /proc/self/task/<id>/stat, after the pid and the name.

import { readFileSync } from 'node:fs';

export function niceness(thread: string | number): number {
  const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

// `init({ lowerHostPriority: true })` on a CPU adapter: the process's own threads drop to the lowest priority, the
// adapter's threads keep the priority the process started with. Each case runs in a process of its own, since the
// change lasts for the life of the process.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_NICENESS } from '../../src/kernels/runtime/host-priority.ts';
import { niceness } from '../helpers/niceness.ts';

const script = join(import.meta.dirname, 'fixtures/host-priority.ts');

interface Priorities {
  fallback: boolean;
  main: number;
  host: number[];
  device: number[];
}

const priorities = (mode: 'lower' | 'keep'): Priorities =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8' }));

describe.runIf(existsSync('/proc/self/task'))('host thread priority', () => {
  const started = niceness(process.pid); // a child process starts with its parent's

  // Mesa starts one thread of its own at the lowest priority (its shader cache writer), so the adapter's threads are
  // compared between a process that lowers the host and one that does not.
  const sorted = (p: Priorities) => [...p.device].sort((a, b) => a - b);

  it('lowers the host threads and leaves the adapter threads as they were', () => {
    const lowered = priorities('lower');
    const kept = priorities('keep');
    expect(lowered.fallback).toBe(true); // the test machines run lavapipe
    expect(lowered.main).toBe(HOST_NICENESS);
    expect(lowered.host.length).toBeGreaterThan(1); // V8's helpers as well as the JavaScript thread
    expect(lowered.host.every((n) => n === HOST_NICENESS)).toBe(true);
    expect(sorted(lowered)).toEqual(sorted(kept));
    expect(lowered.device.filter((n) => n === started).length).toBeGreaterThan(1); // the workers of the CPU adapter
  }, 60_000);

  it('changes nothing unless asked', () => {
    const kept = priorities('keep');
    expect([kept.main, ...kept.host].every((n) => n === started)).toBe(true);
  }, 60_000);
});

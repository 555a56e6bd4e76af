// Giving a CPU adapter's threads the cores first. On a CPU adapter (lavapipe) the device is a pool of threads inside this
// process, and every dispatch is a fork and join over them: when the JavaScript thread or one of V8's helpers takes a
// core in the middle of a dispatch, the pool's other threads finish their share and wait at the join. Lowering the
// process's own threads to the lowest priority after the device's threads exist lets those run whenever they are ready,
// while the JavaScript thread (mostly waiting for the device) records in the gaps. Measured on 2 cores (bench/NOTES.md,
// S26): a 32x32 training step 89 -> 77 ms. Linux only: there a priority belongs to a thread, and /proc lists them.

/** The niceness given to the host's threads: the lowest priority an unprivileged process may take. */
export const HOST_NICENESS = 19;

interface NodeModules {
  fs: { readdirSync(path: string): string[] };
  os: { setPriority(pid: number, priority: number): void };
}

async function nodeModules(): Promise<NodeModules> {
  // Variable specifiers keep bundlers from pulling Node's modules into browser builds.
  const [fs, os] = ['node:fs', 'node:os'];
  return { fs: await import(/* @vite-ignore */ fs), os: await import(/* @vite-ignore */ os) };
}

/** The IDs of this process's threads, or null where they can't be listed (not Linux). */
export async function processThreads(): Promise<Set<number> | null> {
  try {
    const { fs } = await nodeModules();
    return new Set(fs.readdirSync('/proc/self/task').map(Number));
  } catch {
    return null;
  }
}

/**
 * Lowers `threads` (those that existed before the device was created) to HOST_NICENESS; threads started later by them
 * inherit it. A thread that has exited meanwhile is skipped. Returns how many were lowered.
 */
export async function lowerHostThreads(threads: Set<number>): Promise<number> {
  const { os } = await nodeModules();
  let lowered = 0;
  for (const id of threads) {
    try {
      os.setPriority(id, HOST_NICENESS);
      lowered++;
    } catch {
      // gone since it was listed
    }
  }
  return lowered;
}

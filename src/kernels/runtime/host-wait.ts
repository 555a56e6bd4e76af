// Waiting for the device without keeping a CPU core busy. Dawn's Node binding learns of completions only by polling, and
// while any of its promises is pending it polls in a setImmediate loop: the main thread spins for the whole wait, taking
// a core from lavapipe's threads when the adapter is the CPU. Measured on 2 loaded cores: four chained 1024x1024 matmuls
// took 7.4 s with the main thread spinning (1.0 s of its CPU time) and 3.3 s with the waits below (0.15 s).
// In Node the wait lets Dawn poll once per POLL_MS and sleeps in between; browsers deliver completions as events.

/** How long the main thread sleeps between polls: the most a wait can overrun the device's completion. */
const POLL_MS = 1;

const sleeper = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;
// setImmediate exists only in Node, where Atomics.wait may also block the main thread (browsers forbid it).
const canSleep = typeof setImmediate === 'function' && sleeper !== null;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves as `promise` does, sleeping between Dawn's polls instead of letting them spin. */
export async function waitFor<T>(promise: Promise<T>): Promise<T> {
  if (!canSleep) return promise;
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  while (!settled) {
    Atomics.wait(sleeper!, 0, 0, POLL_MS);
    await nextTurn();
  }
  return promise;
}

// A checkpoint save killed with SIGKILL at any moment leaves the previous checkpoint or the complete new one, never a
// broken file; the temporary files of killed writers are cleaned up by the next save.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/nn/checkpoint-file.ts';
import { decodeSafetensors } from '../../src/nn/safetensors-format.ts';
import { FuzzRng } from '../helpers/fuzz.ts';

const script = join(import.meta.dirname, 'fixtures/save-loop.ts');

/** Runs the save loop until `afterSaves` saves have finished, then SIGKILLs it `delayMs` later; returns the last step it reported. */
function saveAndKill(path: string, afterSaves: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reported = 0;
    let killing = false;
    child.stdout.on('data', (chunk: Buffer) => {
      reported = Math.max(reported, ...chunk.toString().trim().split('\n').map(Number));
      if (reported >= afterSaves && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(reported) : reject(new Error(`save loop exited with ${code}`)),
    );
  });
}

describe('atomic checkpoint writes', () => {
  it('SIGKILL at random moments of a save leaves the old or the new checkpoint, whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cavga-kill-'));
    const path = join(dir, 'checkpoint.safetensors');
    const rng = new FuzzRng(3);
    // Kills land before, inside or after a write; go on until three landed inside one (a temporary file remained).
    let killedMidWrite = 0;
    for (let round = 0; round < 40 && killedMidWrite < 3; round++) {
      const lastReported = await saveAndKill(path, 1 + rng.int(2), rng.int(120));
      if (readdirSync(dir).some((name) => name.includes('.tmp-'))) killedMidWrite++;
      const { tensors, metadata } = decodeSafetensors(readFileSync(path), path);
      const step = Number(metadata.step);
      // The file is a complete save: every value is its step, and it is the last reported save or the one after it.
      expect(tensors.weight.data.length).toBe(4 << 20);
      expect(tensors.weight.data.every((v) => v === step)).toBe(true);
      expect([lastReported, lastReported + 1]).toContain(step);
    }
    await writeFileAtomic(path, 'replaced');
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']);
    expect(readFileSync(path, 'utf8')).toBe('replaced');
    expect(killedMidWrite).toBe(3);
  });

  it('keeps the temporary file of a writer that is still running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cavga-tmp-'));
    const path = join(dir, 'a.bin');
    writeFileSync(`${path}.tmp-${process.ppid}`, 'another writer'); // the parent process exists
    writeFileSync(`${path}.tmp-999999999`, 'a dead writer');
    await writeFileAtomic(path, 'x');
    expect(readdirSync(dir).sort()).toEqual(['a.bin', `a.bin.tmp-${process.ppid}`]);
  });
});

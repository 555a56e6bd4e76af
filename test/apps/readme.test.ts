// The README's API example runs as written.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

describe('README', () => {
  it('the API example runs and prints a loss, a gradient size and memory counters', () => {
    const root = join(import.meta.dirname, '../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    const file = join(root, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out).toMatch(/^\d\.\d+ 432 \{/m);
      expect(out).toMatch(/liveBytes/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

// `npm run demo`: builds dist/ and serves it on http://127.0.0.1:<port>/ (the demo is at /demo/, where / leads). WebGPU
// needs a secure context, and 127.0.0.1 (localhost) is one, so plain HTTP is enough.
// Usage: tsx scripts/serve.ts [--port N] (default 8080; 0: any free port).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { buildBrowser } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
};

/** Serves the files under `root` on 127.0.0.1; resolves to the server and its base URL once it listens. */
export function serve(root: string, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/' && !existsSync(join(root, 'index.html'))) {
      response.writeHead(302, { location: '/demo/' }).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    let found = file.startsWith(root + sep);
    try {
      found &&= statSync(file).isFile();
    } catch {
      found = false;
    }
    if (!found) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    );
  });
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer from 0 to 65535, got '${process.argv[at + 1]}'`);
    process.exit(2);
  }
  const root = await buildBrowser();
  const { url } = await serve(root, port).catch((e: NodeJS.ErrnoException) => {
    console.error(
      `serve: cannot listen on 127.0.0.1:${port} (${e.code === 'EADDRINUSE' ? 'in use; choose another with --port N' : e.message})`,
    );
    process.exit(1);
  });
  console.log(`demo: ${url}demo/  (open it in a browser with WebGPU; Ctrl-C stops the server)`);
}

#!/usr/bin/env node
// Makes a WebGPU adapter available to Dawn (the `webgpu` package) on this machine, and a Chromium for the browser test.
//
// 1. If Dawn already finds an adapter (a GPU, or a CPU driver installed earlier), do nothing.
// 2. On Debian or Ubuntu as root, install Mesa's lavapipe (a Vulkan driver that runs on the CPU). Debian 12's own Mesa 22 is
//    too old for Dawn, so on bookworm the bookworm-backports suite is added by copying the existing Debian source entry.
// 3. Anywhere else, print the exact commands to run.
// Then Chromium (test/browser.test.ts runs the demo page in it, WebGPU on its own CPU renderer, SwiftShader): if
// $CHROMIUM_PATH or /usr/bin/chromium exists, nothing to do; on Debian as root, install the `chromium` package; anywhere
// else, say how (the browser test then fails with the same advice, the other tests still run).
//
// Idempotent; the fast path (an adapter and Chromium are already there) costs one short child process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BACKPORTS_FILE = '/etc/apt/sources.list.d/bookworm-backports.sources';

/** Asks Dawn for an adapter in a child process (a crash there must not take this script down). */
function probeAdapter(env) {
  const probe = `
    import { create, globals } from 'webgpu';
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) process.exit(3);
    const info = adapter.info ?? {};
    console.log(JSON.stringify({ vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description }));
    process.exit(0);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
    cwd: join(import.meta.dirname, '..'),
  });
  if (result.status === 0) return JSON.parse(result.stdout.trim().split('\n').pop());
  return null;
}

function osRelease() {
  if (!existsSync('/etc/os-release')) return {};
  const fields = {};
  for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) fields[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return fields;
}

function run(cmd, args) {
  console.log(`setup-webgpu: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Copies the Debian main entry (deb822 or one-line format) with the suite changed to bookworm-backports. */
function addBookwormBackports() {
  if (existsSync(BACKPORTS_FILE)) return;
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    const stanzas = readFileSync(deb822, 'utf8').split(/\n\s*\n/);
    const main = stanzas.find((s) => /^Suites:.*\bbookworm\b/m.test(s) && !/security/.test(s));
    if (!main) throw new Error(`setup-webgpu: no 'bookworm' entry in ${deb822} to copy`);
    writeFileSync(BACKPORTS_FILE, main.replace(/^Suites:.*$/m, 'Suites: bookworm-backports').trim() + '\n');
    return;
  }
  const lists = [
    '/etc/apt/sources.list',
    ...readdirSync('/etc/apt/sources.list.d')
      .filter((f) => f.endsWith('.list'))
      .map((f) => join('/etc/apt/sources.list.d', f)),
  ];
  for (const file of lists.filter(existsSync)) {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => /^deb\s+\S+\s+bookworm\s/.test(l));
    if (line) {
      writeFileSync(
        BACKPORTS_FILE.replace('.sources', '.list'),
        line.replace(/\sbookworm\s/, ' bookworm-backports ') + '\n',
      );
      return;
    }
  }
  throw new Error('setup-webgpu: found no Debian bookworm source entry to copy for bookworm-backports');
}

function installLavapipe(os) {
  const packages = ['libvulkan1', 'mesa-vulkan-drivers'];
  if (os.VERSION_CODENAME === 'bookworm') {
    addBookwormBackports();
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-t', 'bookworm-backports', ...packages]);
  } else {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages]);
  }
}

function instructions(os) {
  return [
    'setup-webgpu: Dawn found no WebGPU adapter on this machine, and this script can only install one on Debian/Ubuntu as root.',
    "Install a Vulkan driver, for example Mesa's lavapipe (runs on the CPU, Mesa 24 or newer):",
    os.VERSION_CODENAME === 'bookworm'
      ? '  copy your Debian source entry with the suite changed to bookworm-backports, then:\n' +
        '  sudo apt-get update && sudo apt-get install -t bookworm-backports --no-install-recommends mesa-vulkan-drivers libvulkan1'
      : '  sudo apt-get install mesa-vulkan-drivers libvulkan1   (Debian/Ubuntu)\n  sudo dnf install mesa-vulkan-drivers vulkan-loader   (Fedora)',
    `then run: VK_ICD_FILENAMES=${LAVAPIPE_ICD} npm test`,
  ].join('\n');
}

function ensureChromium(os) {
  if (existsSync(CHROMIUM)) {
    console.log(`setup-webgpu: chromium ready (${CHROMIUM})`);
    return;
  }
  // Ubuntu's chromium package only installs a snap, which does not run in containers: only Debian's is a real browser.
  if (process.platform !== 'linux' || os.ID !== 'debian' || process.getuid?.() !== 0) {
    console.warn(
      `setup-webgpu: no Chromium at ${CHROMIUM}; the browser test needs one. Install it (Debian: sudo apt-get install chromium) ` +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
    return;
  }
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM))
    console.warn(
      `setup-webgpu: the chromium package is installed, but there is no browser at ${CHROMIUM} (CHROMIUM_PATH)`,
    );
}

function ensureAdapter(os) {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  let adapter = probeAdapter(env);
  if (!adapter && !env.VK_ICD_FILENAMES && existsSync(LAVAPIPE_ICD)) {
    adapter = probeAdapter({ ...env, VK_ICD_FILENAMES: LAVAPIPE_ICD });
  }
  if (adapter) {
    console.log(
      `setup-webgpu: adapter ready (${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(', ')})`,
    );
    return;
  }
  const debianLike = os.ID === 'debian' || os.ID === 'ubuntu' || /debian|ubuntu/.test(os.ID_LIKE ?? '');
  const root = process.getuid?.() === 0;
  if (process.platform !== 'linux' || !debianLike || !root) {
    console.error(instructions(os));
    process.exit(1);
  }
  installLavapipe(os);
  adapter = probeAdapter({ ...env, VK_ICD_FILENAMES: env.VK_ICD_FILENAMES ?? LAVAPIPE_ICD });
  if (!adapter) {
    console.error('setup-webgpu: lavapipe is installed but Dawn still finds no adapter.\n' + instructions(os));
    process.exit(1);
  }
  console.log(`setup-webgpu: lavapipe installed; adapter ready (${adapter.description ?? adapter.vendor})`);
}

const os = osRelease();
ensureAdapter(os);
ensureChromium(os);

// One WebGPU adapter and device per process, in Node (Dawn through the `webgpu` package) or in a browser (navigator.gpu).
//
// Dawn's `create()` object must stay referenced while any device is in use: if the garbage collector takes it, the process
// segfaults. It lives in `dawnInstance` below for the life of the process (and `releaseWebGPU()` lets a CLI exit).

import { lowerHostThreads, processThreads } from './runtime/host-priority.ts';

export interface WebGPUOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for the fallback (CPU) adapter even when a GPU exists. */
  forceFallbackAdapter?: boolean;
  /** Dawn toggles and options for `create()` in Node, e.g. ['backend=vulkan']. */
  dawnOptions?: string[];
  /**
   * On a CPU (fallback) adapter in Node on Linux: lower the threads this process had before WebGPU started (the
   * JavaScript thread, V8's and libuv's helpers) to the lowest priority, so the adapter's threads get the cores first
   * (runtime/host-priority.ts). It lasts for the life of the process; the CLI and the step benchmark ask for it.
   */
  lowerHostPriority?: boolean;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: Record<string, number>;
  /** The subgroup size where the device has the `subgroups` feature and every subgroup has the same size (lavapipe: 8), else 0. */
  subgroupSize: number;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterDescription;
}

let dawnInstance: GPU | null = null;
/** The threads this process had before Dawn's instance started its own (Node on Linux, else null): the host's. */
let hostThreads: Set<number> | null = null;
let acquired: Promise<AcquiredDevice> | null = null;

// Node 21+ defines a global navigator without gpu, so Node is recognised by process.versions; a navigator.gpu set by the
// caller (e.g. another WebGPU implementation) still wins.
const isNode =
  typeof process !== 'undefined' && !!process.versions?.node && !(typeof navigator !== 'undefined' && navigator.gpu);

const NO_ADAPTER_HELP = [
  'No WebGPU adapter was found.',
  "In Node: run `npm run setup` (on Debian/Ubuntu as root it installs Mesa's lavapipe, a Vulkan driver that runs on the CPU),",
  'or install a Vulkan driver yourself (Debian 12: mesa-vulkan-drivers from bookworm-backports) and, to force it,',
  'set VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json.',
  'In a browser: use one with WebGPU enabled (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu).',
].join('\n');

async function gpuEntryPoint(options: WebGPUOptions): Promise<GPU> {
  if (!isNode) {
    if (typeof navigator === 'undefined' || !navigator.gpu)
      throw new Error(`This browser does not expose navigator.gpu.\n${NO_ADAPTER_HELP}`);
    return navigator.gpu;
  }
  if (!dawnInstance) {
    process.env.XDG_RUNTIME_DIR ??= '/tmp'; // silences the Vulkan loader's warnings
    // A variable specifier keeps bundlers from pulling the Node addon into browser builds.
    const moduleName = 'webgpu';
    const dawn = (await import(/* @vite-ignore */ moduleName)) as { create: (o: string[]) => GPU; globals: object };
    Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, ...
    hostThreads = await processThreads();
    dawnInstance = dawn.create(options.dawnOptions ?? []);
  }
  return dawnInstance;
}

function fixedSubgroupSize(adapter: GPUAdapter): number {
  const sizes = adapter.info as unknown as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const fixed = sizes.subgroupMinSize === sizes.subgroupMaxSize ? (sizes.subgroupMinSize ?? 0) : 0;
  return adapter.features.has('subgroups') ? fixed : 0;
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: (info as unknown as { isFallbackAdapter?: boolean })?.isFallbackAdapter ?? false,
    limits,
    subgroupSize: fixedSubgroupSize(adapter),
  };
}

async function acquire(options: WebGPUOptions): Promise<AcquiredDevice> {
  const gpu = await gpuEntryPoint(options);
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference,
    forceFallbackAdapter: options.forceFallbackAdapter,
  });
  if (!adapter) throw new Error(NO_ADAPTER_HELP);
  // Ask for the adapter's own limits: the defaults (128 MiB bindings, 256 invocations) are lower than most adapters give.
  const wanted = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const key of wanted) requiredLimits[key] = adapter.limits[key];
  // Timestamp queries cost nothing until used; the runtime's profiler uses them when the adapter has them. Subgroups let
  // a kernel share one load among the lanes of a subgroup (conv2d-grad-weight.ts).
  const optional = ['timestamp-query', 'subgroups'] as GPUFeatureName[];
  const requiredFeatures = optional.filter((feature) => adapter.features.has(feature));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'cavga-webgpu' });
  const info = describe(adapter);
  if (options.lowerHostPriority && info.isFallbackAdapter && hostThreads) await lowerHostThreads(hostThreads);
  return { device, adapter, info };
}

/** The process's device, acquired on first call; later calls return the same one (options apply to the first call). */
export function acquireDevice(options: WebGPUOptions = {}): Promise<AcquiredDevice> {
  acquired ??= acquire(options).catch((e) => {
    acquired = null;
    throw e;
  });
  return acquired;
}

/** Drops the device and Dawn's instance so a Node process can exit. Tensors on that device are invalid afterwards. */
export async function releaseWebGPU(): Promise<void> {
  if (!acquired) return;
  const { device } = await acquired;
  acquired = null;
  device.destroy();
  dawnInstance = null;
}

export function formatAdapter(info: AdapterDescription): string {
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
  return `${name || 'unknown adapter'}${info.isFallbackAdapter ? ' (fallback)' : ''}`;
}

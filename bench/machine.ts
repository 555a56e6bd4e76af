// What a figure was measured on: the CPU, whether it has AVX-512, and the Mesa settings that decide which instructions
// llvmpipe generates (GALLIUM_OVERRIDE_CPU_CAPS=avx makes it generate AVX2 code on an AVX-512 machine; see NOTES.md).

import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cpus: number;
  /** The CPU's AVX-512 flags from /proc/cpuinfo (empty: an AVX2 machine, or not Linux). */
  avx512: string[];
  /** The instruction set llvmpipe compiles kernels for, given the CPU and the override below. */
  llvmpipeCode: 'AVX-512' | 'AVX2' | 'other';
  /** Mesa's environment variables that change llvmpipe's code generation or threads, as set for this run. */
  mesaEnv: Record<string, string>;
}

const MESA_VARIABLES = ['GALLIUM_OVERRIDE_CPU_CAPS', 'LP_NATIVE_VECTOR_WIDTH', 'LP_NUM_THREADS'];

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return line ? line.split(':')[1].trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

export function describeMachine(): Machine {
  const flags = cpuFlags();
  const avx512 = flags.filter((f) => f.startsWith('avx512'));
  const mesaEnv = Object.fromEntries(
    MESA_VARIABLES.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]),
  );
  // Mesa's override names the highest extension kept: 'avx' keeps AVX and AVX2 and drops AVX-512; lower ones drop more.
  const override = process.env.GALLIUM_OVERRIDE_CPU_CAPS;
  const llvmpipeCode =
    avx512.includes('avx512f') && !override
      ? 'AVX-512'
      : flags.includes('avx2') && (!override || override === 'avx')
        ? 'AVX2'
        : 'other';
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length, avx512, llvmpipeCode, mesaEnv };
}

export function machineText(m: Machine): string {
  const env = Object.entries(m.mesaEnv).map(([k, v]) => `${k}=${v}`);
  return `${m.cpu}, ${m.cpus} CPUs, ${m.avx512.length ? 'AVX-512' : 'no AVX-512'}; llvmpipe code: ${m.llvmpipeCode}${env.length ? ` (${env.join(' ')})` : ''}`;
}

import { readFileSync } from "node:fs";

/** Resident memory of one process, from `/proc/<pid>/status` (kB). */
export interface ProcessMemory {
  /** Current resident set (`VmRSS`). */
  rssKb: number;
  /** Peak resident set over the process's life (`VmHWM`). */
  hwmKb: number;
}

/** Reads `VmRSS` and `VmHWM` of `pid`; `undefined` once the process is gone. */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

/** Samples a process's memory on an interval and keeps the peak (the last `VmHWM` covers between samples). */
export interface MemorySampler {
  /** Largest `VmHWM` (or `VmRSS`) seen, in MiB. */
  peakMb(): number;
  /** Takes one sample now. */
  sample(): void;
  stop(): void;
}

/** Starts sampling `pid()` (re-read each time, so a restarted process is followed) every `intervalMs`. */
export function sampleMemory(pid: () => number, intervalMs = 100): MemorySampler {
  let peakKb = 0;
  const sample = () => {
    const memory = readProcessMemory(pid());
    if (memory) peakKb = Math.max(peakKb, memory.hwmKb, memory.rssKb);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakMb: () => Math.round((peakKb / 1024) * 10) / 10,
    sample,
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}

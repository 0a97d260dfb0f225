import { readdirSync, readFileSync } from "node:fs";

/** Parent pid of every live process, from /proc (Linux). */
function parentMap(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces or ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      map.set(Number(entry), Number(rest[1]));
    } catch {
      // The process went away while we looked.
    }
  }
  return map;
}

/** `pid` and all its live descendants (children first are not guaranteed; parents are listed first). */
export function processTree(pid: number): number[] {
  const parents = parentMap();
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const [child, parent] of parents) if (parent === out[i]) out.push(child);
  }
  return out;
}

/** Sends `signal` to each pid, ignoring ones that are already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already exited.
    }
  }
}

/** True while `pid` exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

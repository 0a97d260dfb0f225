import { readFileSync } from "node:fs";
import { processTree } from "@imgate/remote-ssh/testing";

/** True while `pid` exists and is not a zombie (Linux /proc). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Every live descendant of `pid` (not `pid` itself). */
export function descendantsOf(pid: number): number[] {
  return processTree(pid).slice(1);
}

/**
 * Waits up to `graceMs` for `pids` to exit on their own (an orphaned `imsg rpc` ends at stdin EOF), then
 * SIGKILLs the ones still there, so no test leaves processes behind. Resolves with the pids it had to kill.
 */
export async function reapProcesses(pids: readonly number[], graceMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const killed = pids.filter(isAlive);
  for (const pid of killed) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}

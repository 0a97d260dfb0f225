import { readFileSync } from "node:fs";
import { descendantsOf } from "../harness/index.ts";

/** The imsg processes (imsg-sim or a fuzzing peer) a gateway is running right now, found via /proc. */
export function imsgChildren(gatewayPid: number, marker = "imsg-sim"): number[] {
  return descendantsOf(gatewayPid).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return argv.some((arg) => arg.includes(marker)) && argv.includes("rpc");
    } catch {
      return false;
    }
  });
}

/** SIGKILLs every imsg child of the gateway; returns how many were killed. */
export function killImsgChildren(gatewayPid: number, marker = "imsg-sim"): number {
  let killed = 0;
  for (const pid of imsgChildren(gatewayPid, marker)) {
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

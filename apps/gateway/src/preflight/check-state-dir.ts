import { accessSync, constants, type Stats, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type StartCheck, startCheck } from "./start-checks.ts";

/** statfs magic numbers of kernel file systems where nothing can be created (Linux). */
const VIRTUAL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, "procfs"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
]);

const FIX = "Set gateway.stateDir (or IMGATE_STATE_DIR) to a writable directory, e.g. ~/.imgate.";

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function virtualFileSystem(path: string): string | undefined {
  try {
    return VIRTUAL_FILE_SYSTEMS.get(Number(statfsSync(path).type));
  } catch {
    return undefined;
  }
}

function writable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "not writable";
  }
}

function mode(stats: Stats): string {
  return (stats.mode & 0o777).toString(8).padStart(4, "0");
}

/**
 * Whether the gateway can create and use `stateDir`, decided WITHOUT creating anything (a recursive
 * mkdir below `/proc` spins at full CPU in Node; a parent that is a file gives a bare `ENOTDIR`).
 * A directory readable by others is a warning: the gateway tightens it to 0700 when it starts.
 */
export function checkStateDir(stateDir: string): StartCheck {
  const stats = statOrUndefined(stateDir);
  if (!stats) {
    // Walk up to the nearest existing ancestor: it decides whether the directory can be created.
    let ancestor = dirname(stateDir);
    let found = statOrUndefined(ancestor);
    while (!found && dirname(ancestor) !== ancestor) {
      ancestor = dirname(ancestor);
      found = statOrUndefined(ancestor);
    }
    if (found && !found.isDirectory()) {
      return startCheck(
        "stateDir",
        "fail",
        `gateway.stateDir ${stateDir} cannot be created: ${ancestor} is a file, not a directory`,
        FIX,
      );
    }
    const virtual = virtualFileSystem(ancestor);
    if (virtual) {
      return startCheck(
        "stateDir",
        "fail",
        `gateway.stateDir ${stateDir} cannot be created: ${ancestor} is on a virtual file system (${virtual})`,
        FIX,
      );
    }
    const denied = writable(ancestor);
    if (denied) {
      return startCheck(
        "stateDir",
        "fail",
        `gateway.stateDir ${stateDir} cannot be created: ${ancestor} is not writable (${denied})`,
        FIX,
      );
    }
    return startCheck(
      "stateDir",
      "ok",
      `state directory ${stateDir} will be created (mode 0700) on first start`,
    );
  }
  if (!stats.isDirectory()) {
    return startCheck("stateDir", "fail", `gateway.stateDir ${stateDir} is a file, not a directory`, FIX);
  }
  const virtual = virtualFileSystem(stateDir);
  if (virtual) {
    return startCheck(
      "stateDir",
      "fail",
      `gateway.stateDir ${stateDir} is on a virtual file system (${virtual})`,
      FIX,
    );
  }
  const denied = writable(stateDir);
  if (denied) {
    return startCheck(
      "stateDir",
      "fail",
      `gateway.stateDir ${stateDir} is not writable (${denied})`,
      `Run \`chown -R $(id -un) ${stateDir}\`, or ${FIX.charAt(0).toLowerCase()}${FIX.slice(1)}`,
    );
  }
  if ((stats.mode & 0o077) !== 0) {
    return startCheck(
      "stateDir",
      "warn",
      `state directory ${stateDir} is readable by others (mode ${mode(stats)}); the gateway sets it to 0700 when it starts`,
      `Run \`chmod 700 ${stateDir}\` (or just start the gateway).`,
    );
  }
  return startCheck("stateDir", "ok", `state directory ${stateDir} (mode ${mode(stats)})`);
}

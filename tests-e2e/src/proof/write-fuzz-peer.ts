import { chmodSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { IMSG_BIN, type Workspace } from "../harness/index.ts";

/** Settings of the fuzzing peer (see `fuzz-peer.ts`). */
export interface FuzzPeerOptions {
  lines: number;
  seed: number;
  oversizedBytes: number;
  /** Spread the fuzz lines over about this many milliseconds. */
  spreadMs: number;
}

const PEER = fileURLToPath(new URL("./fuzz-peer.ts", import.meta.url));
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Writes an executable `fuzz-imsg` wrapper into the workspace that runs `fuzz-peer.ts` around the real
 * stand-in; use its path as `channels.imessage.cliPath`. `<workspace>/fuzz-done.json` appears when the
 * fuzzing is over.
 */
export function writeFuzzPeer(workspace: Workspace, options: FuzzPeerOptions): string {
  const path = workspace.path("fuzz-imsg");
  const vars = {
    FUZZ_IMSG_BIN: IMSG_BIN,
    FUZZ_DIR: workspace.dir,
    FUZZ_LINES: String(options.lines),
    FUZZ_SEED: String(options.seed),
    FUZZ_OVERSIZED_BYTES: String(options.oversizedBytes),
    FUZZ_SPREAD_MS: String(options.spreadMs),
  };
  const assignments = Object.entries(vars)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(" ");
  writeFileSync(
    path,
    `#!/bin/sh\n${assignments} exec ${quote(process.execPath)} --disable-warning=ExperimentalWarning ${quote(PEER)} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

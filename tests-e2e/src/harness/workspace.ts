import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb } from "@imgate/imsg-sim/testing";

/** A private temporary directory tree for one test (or one `describe`): HOME, state dir, chat.db, config. */
export interface Workspace {
  /** The root temp directory. */
  readonly dir: string;
  /** A private `HOME` for child processes (`<dir>/home`), so nothing real is read or written. */
  readonly home: string;
  /** `IMGATE_STATE_DIR` of the gateway (`<dir>/state`; created by the gateway). */
  readonly stateDir: string;
  /** The stand-in's chat.db (created empty, WAL). */
  readonly dbPath: string;
  /** Default config file path (`<dir>/imgate.json5`; written by `writeConfigFile`/`startGateway`). */
  readonly configPath: string;
  /** `join(dir, ...parts)`. */
  path(...parts: string[]): string;
  /** Removes the whole tree (idempotent). */
  dispose(): void;
}

const live = new Set<Workspace>();

/** Makes a fresh {@link Workspace} under the OS temp dir. Call `dispose()` (or {@link disposeWorkspaces}). */
export function createWorkspace(prefix = "imgate-e2e-"): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, "home");
  mkdirSync(home);
  const workspace: Workspace = {
    dir,
    home,
    stateDir: join(dir, "state"),
    dbPath: createSimDb(dir),
    configPath: join(dir, "imgate.json5"),
    path: (...parts) => join(dir, ...parts),
    dispose() {
      live.delete(workspace);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(workspace);
  return workspace;
}

/** Disposes every workspace not yet disposed; handy in `afterAll`. */
export function disposeWorkspaces(): void {
  for (const workspace of [...live]) workspace.dispose();
}

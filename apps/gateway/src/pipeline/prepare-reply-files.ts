import { mkdir, realpath, writeFile } from "node:fs/promises";
import { basename, isAbsolute, join, sep } from "node:path";
import { AgentError } from "../agents/agent-error.ts";
import type { AgentReplyFile } from "../agents/agent-turn.ts";
import { expandHome } from "../config/expand-home.ts";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { outboundFileProblem } from "./outbound-file-problem.ts";

/** Options of {@link prepareReplyFiles}. */
export interface PrepareReplyFilesOptions {
  /** The answering account's `mediaMaxMb`. */
  mediaMaxMb: number;
  /** The exec backend's `fileRoots` (empty: no local paths allowed). */
  fileRoots: readonly string[];
  /** Where inline (base64) files are written, one folder per inbound message: `<stateDir>/outbound/<account>/<guid>`. */
  stagingDir: string;
  /** The agent's backend kind, for the error. */
  backend: string;
  /** Environment whose HOME expands `~` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

const refuse = (backend: string, message: string) =>
  new AgentError(GatewayErrorCode.AgentBadResponse, message, { backend, retryable: false });

/** Whether `path` is `root` or inside it (both real paths). */
const isInside = (path: string, root: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** A file name safe to write: its last path part, no control characters, not `.`/`..`. */
function safeName(name: string, index: number): string {
  const base = basename(name.replace(/\\/g, "/"))
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim();
  return base === "" || base === "." || base === ".." ? `file-${index + 1}` : base;
}

/**
 * Turns a rich reply's files into local paths to queue (before anything is queued, so a refused file
 * sends nothing): a path must be an absolute regular file whose real path is inside one of `fileRoots`
 * (symlinks resolved, so a link cannot lead out) and within `mediaMaxMb`; inline bytes within `mediaMaxMb`
 * are written 0600 into `stagingDir`. Throws a non-retryable `AGENT_BAD_RESPONSE` naming the fix.
 */
export async function prepareReplyFiles(
  files: readonly AgentReplyFile[],
  options: PrepareReplyFilesOptions,
): Promise<string[]> {
  const maxBytes = options.mediaMaxMb * 1024 * 1024;
  const roots: string[] = [];
  for (const root of options.fileRoots) {
    const real = await realpath(expandHome(root, options.env)).catch(() => undefined);
    if (real) roots.push(real);
  }
  const paths: string[] = [];
  for (const [index, file] of files.entries()) {
    if ("path" in file) {
      // `~/…` is what people write (AppleScript-era tools needed absolute paths; Jared#80).
      const given = expandHome(file.path, options.env);
      if (!isAbsolute(given)) {
        throw refuse(options.backend, `Cannot send files.${index} (${file.path}): give an absolute path.`);
      }
      const real = await realpath(given).catch(() => undefined);
      if (!real) {
        throw refuse(
          options.backend,
          `Cannot send files.${index} (${file.path}): it is not a readable regular file on the gateway's machine.`,
        );
      }
      if (!roots.some((root) => isInside(real, root))) {
        throw refuse(
          options.backend,
          `Cannot send files.${index} (${file.path}): it is outside the agent's backend.fileRoots` +
            `${options.fileRoots.length === 0 ? " (none configured)" : ` (${options.fileRoots.join(", ")})`}; ` +
            "write the file into a listed folder or add its folder to backend.fileRoots.",
        );
      }
      const problem = await outboundFileProblem(real, options.mediaMaxMb);
      if (problem !== undefined) throw refuse(options.backend, `files.${index}: ${problem}`);
      paths.push(real);
    } else {
      if (file.data.length > maxBytes) {
        throw refuse(
          options.backend,
          `Cannot send files.${index} (${file.name}): ${file.data.length} bytes is over mediaMaxMb (${options.mediaMaxMb} MB); send a smaller file or raise channels.imessage.mediaMaxMb.`,
        );
      }
      if (file.data.length === 0) {
        throw refuse(options.backend, `Cannot send files.${index} (${file.name}): it is empty.`);
      }
      // One folder per file of the reply (the name is what Messages shows): a replayed turn writes the same
      // paths again instead of piling up copies.
      const folder = join(options.stagingDir, String(index + 1));
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const path = join(folder, safeName(file.name, index));
      await writeFile(path, file.data, { mode: 0o600 });
      paths.push(path);
    }
  }
  return paths;
}

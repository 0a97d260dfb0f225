import type { ChildProcess } from "node:child_process";

/** What a finished child process wrote, and how it exited. */
export interface ChildOutput {
  /** The exit code; `null` when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects the stdout and stderr of a child spawned with both piped, and resolves when it has exited;
 * rejects when it could not be spawned.
 */
export function collectChildOutput(child: ChildProcess): Promise<ChildOutput> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

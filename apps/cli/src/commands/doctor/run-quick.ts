import { spawn } from "node:child_process";

/** Runs a command with a deadline; never throws. */
export function runQuick(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string; error?: string }> {
  return new Promise((resolve) => {
    let output = "";
    let settled = false;
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const finish = (result: { code: number | null; output: string; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ code: null, output, error: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", (error) => finish({ code: null, output, error: error.message }));
    child.on("close", (code) => finish({ code, output }));
  });
}

/** The first non-empty line of a command's output, at most 200 characters. */
export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find(Boolean) ?? ""
  ).slice(0, 200);
}

#!/usr/bin/env node
/**
 * Entry point of the `imgate` command. Kept tiny on purpose: `--version` answers without loading commander,
 * the gateway or any command module (cold start is benchmarked against `node -e 0`).
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  process.stdout.write(`${manifest.version}\n`);
} else {
  // node:sqlite (the state store) announces itself as experimental on every run; that is noise for users.
  const { silenceSqliteWarning } = await import("@imgate/gateway/silence-sqlite-warning");
  silenceSqliteWarning();
  const { runCli } = await import("./program.ts");
  process.exitCode = await runCli(args);
}

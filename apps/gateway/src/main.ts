/**
 * `node src/main.ts --config F`: runs the gateway in the foreground (exit 0 after a clean stop, 1 on
 * failure, 2 for a bad config). The rest is loaded only after node:sqlite's experimental warning is
 * silenced: ES module imports are linked, and builtins loaded, before any module body runs.
 */
import { silenceSqliteWarning } from "./silence-sqlite-warning.ts";

silenceSqliteWarning();
const { runGatewayForeground } = await import("./run-gateway-foreground.ts");
const flag = process.argv.indexOf("--config");
const configPath = flag >= 0 ? process.argv[flag + 1] : undefined;
process.exitCode = await runGatewayForeground(configPath ? { configPath } : {});

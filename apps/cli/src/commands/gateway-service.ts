/**
 * `imgate gateway install | uninstall`: the gateway as a per-user service — a launchd LaunchAgent on
 * macOS, a systemd user unit on Linux. `--dry-run` prints the file instead of writing it; `--dir` puts it
 * somewhere else (tests). The service manager is only invoked for the real default location.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { homeDirectory } from "@imgate/remote-ssh/expand-home";
import { z } from "zod";
import { checkConfig, invalidConfigError, readConfigFile, type ValidConfig } from "../cli-config.ts";
import { CliError, ConfigError, UsageError } from "../cli-error.ts";
import { expandPath, resolveConfigPath } from "../resolve-config-path.ts";

/** Keeps the long-lived gateway's idle memory low: a 1 MiB V8 young generation (ADR 0005). */
export const GATEWAY_NODE_FLAG = "--max-semi-space-size=1";

/** Node flags of every service that runs the gateway (launchd and systemd alike; the ./imgate launcher too). */
export const GATEWAY_NODE_FLAGS: readonly string[] = [GATEWAY_NODE_FLAG];

/** launchd label and systemd unit name of the gateway service. */
export const SERVICE_LABEL = "dev.imgate.gateway";
const SYSTEMD_UNIT = "imgate.service";

const optionsSchema = z.object({
  config: z.string().optional(),
  dryRun: z.boolean().optional(),
  print: z.boolean().optional(),
  dir: z.string().optional(),
  platform: z.enum(["launchd", "systemd"]).optional(),
});

/** Everything a service file needs to start the gateway. */
export interface ServiceSpec {
  /** Absolute path of the Node binary. */
  nodePath: string;
  /** Absolute path of the CLI entry (`dist/main.js`). */
  mainPath: string;
  /** Absolute config file path. */
  configPath: string;
  /** `IMGATE_STATE_DIR` to pass on, when set for the install. */
  stateDir?: string;
  /** Where launchd writes the gateway's stdout/stderr. */
  logDir: string;
  /** PATH for the service (so `imsg` and `ssh` resolve as in the installing shell). */
  path: string;
}

type ServiceKind = "launchd" | "systemd";

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The command line of the gateway service, shared by both service managers so their Node flags cannot
 * drift (docs/decisions/0005-gateway-young-generation.md).
 */
export function gatewayCommandLine(spec: ServiceSpec): string[] {
  return [spec.nodePath, ...GATEWAY_NODE_FLAGS, spec.mainPath, "gateway", "--config", spec.configPath];
}

/** Renders the launchd LaunchAgent property list. */
export function renderLaunchdPlist(spec: ServiceSpec): string {
  const args = gatewayCommandLine(spec);
  const env: Record<string, string> = { PATH: spec.path, IMGATE_CONFIG: spec.configPath };
  if (spec.stateDir) env.IMGATE_STATE_DIR = spec.stateDir;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  <string>${SERVICE_LABEL}</string>`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...args.map((arg) => `    <string>${xml(arg)}</string>`),
    "  </array>",
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...Object.entries(env).flatMap(([key, value]) => [
      `    <key>${xml(key)}</key>`,
      `    <string>${xml(value)}</string>`,
    ]),
    "  </dict>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>10</integer>",
    "  <key>ProcessType</key>",
    "  <string>Background</string>",
    "  <key>StandardOutPath</key>",
    `  <string>${xml(join(spec.logDir, "gateway.out.log"))}</string>`,
    "  <key>StandardErrorPath</key>",
    `  <string>${xml(join(spec.logDir, "gateway.err.log"))}</string>`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** Quotes one systemd `ExecStart` word when it needs it (systemd.service(5) "Command lines"). */
function systemdWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word.replace(/%/g, "%%");
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

/** Renders the systemd user unit. Secrets go in the optional `EnvironmentFile`, never in the unit. */
export function renderSystemdUnit(spec: ServiceSpec): string {
  const exec = gatewayCommandLine(spec).map(systemdWord).join(" ");
  const env = [`PATH=${spec.path}`, `IMGATE_CONFIG=${spec.configPath}`];
  if (spec.stateDir) env.push(`IMGATE_STATE_DIR=${spec.stateDir}`);
  return [
    "[Unit]",
    "Description=imgate gateway (iMessage to AI agents)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    ...env.map((entry) => `Environment=${systemdWord(entry)}`),
    `EnvironmentFile=-${join(dirname(spec.configPath), "gateway.env")}`,
    "Restart=on-failure",
    "RestartSec=5",
    "KillSignal=SIGTERM",
    // SIGTERM to the gateway only: it stops imsg itself (a control-group kill would end imsg first and
    // the gateway would log a crash); whatever is left after TimeoutStopSec is killed.
    "KillMode=mixed",
    "TimeoutStopSec=30",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function defaultKind(): ServiceKind {
  if (process.platform === "darwin") return "launchd";
  if (process.platform === "linux") return "systemd";
  throw new UsageError(
    `No supported service manager on ${process.platform}; run \`imgate gateway\` under your own supervisor, or pass --platform launchd|systemd with --dry-run to see the file.`,
  );
}

function serviceLocation(kind: ServiceKind, dir: string | undefined): string {
  const home = homeDirectory();
  if (kind === "launchd")
    return join(dir ? expandPath(dir) : join(home, "Library", "LaunchAgents"), `${SERVICE_LABEL}.plist`);
  const base = dir
    ? expandPath(dir)
    : join(
        process.env.XDG_CONFIG_HOME ? expandPath(process.env.XDG_CONFIG_HOME) : join(home, ".config"),
        "systemd",
        "user",
      );
  return join(base, SYSTEMD_UNIT);
}

async function buildSpec(configPath: string, config: ValidConfig | undefined): Promise<ServiceSpec> {
  const stateDir = process.env.IMGATE_STATE_DIR ? expandPath(process.env.IMGATE_STATE_DIR) : undefined;
  // The gateway's own rule, so the service's logs sit in the state directory the gateway will use.
  const { resolveStateDir } = await import("@imgate/gateway");
  return {
    nodePath: process.execPath,
    // src/commands/… and dist/commands/… both sit two levels below the package root.
    mainPath: fileURLToPath(new URL("../../dist/main.js", import.meta.url)),
    configPath,
    ...(stateDir ? { stateDir } : {}),
    logDir: join(resolveStateDir(process.env, config, configPath), "logs"),
    path: process.env.PATH ?? "/usr/bin:/bin",
  };
}

function runManager(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const detail = result.error?.message ?? result.stderr.trim();
    throw new CliError(
      "CLI_FAILED",
      `\`${command} ${args.join(" ")}\` failed (${detail || `exit ${result.status}`}); the service file is in place, so fix that and rerun the command yourself.`,
    );
  }
}

/** `imgate gateway install`. */
export async function runGatewayInstall(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const kind = options.platform ?? defaultKind();
  const configPath = resolveConfigPath(options.config).path;
  const dryRun = options.dryRun === true || options.print === true;
  // The service runs `imgate gateway`, which refuses a missing or invalid config: check it now, so a
  // service is never installed only to fail on every start (a dry run still prints, with a warning).
  let config: ValidConfig | undefined;
  if (!existsSync(configPath)) {
    const message = `${configPath} does not exist; the gateway refuses to start without it, so the service would fail on every start. Create it (e.g. \`imgate config set channels.imessage.enabled true --config ${configPath}\`) and rerun.`;
    if (!dryRun) throw new ConfigError("CLI_CONFIG_MISSING", message);
    process.stderr.write(`imgate: warning: ${message}\n`);
  } else {
    const file = await readConfigFile(configPath);
    const check = await checkConfig(file.raw);
    if (!check.ok)
      throw invalidConfigError(configPath, check.problems, "is invalid, so the service would not start");
    config = check.config;
  }
  const spec = await buildSpec(configPath, config);
  const file = serviceLocation(kind, options.dir);
  const content = kind === "launchd" ? renderLaunchdPlist(spec) : renderSystemdUnit(spec);

  if (dryRun) {
    process.stderr.write(`Would write ${file}:\n`);
    process.stdout.write(content);
    return 0;
  }
  await mkdir(dirname(file), { recursive: true });
  if (kind === "launchd") await mkdir(spec.logDir, { recursive: true });
  await writeFile(file, content, { mode: 0o644 });
  process.stdout.write(`Wrote ${file}\n`);

  if (options.dir) {
    process.stdout.write(
      "Not starting it: --dir was given, so this is not the service manager's directory.\n",
    );
    return 0;
  }
  if (kind === "launchd") {
    const uid = process.getuid?.() ?? 501;
    spawnSync("launchctl", ["bootout", `gui/${uid}/${SERVICE_LABEL}`], { stdio: "ignore" });
    runManager("launchctl", ["bootstrap", `gui/${uid}`, file]);
    process.stdout.write(
      `Started ${SERVICE_LABEL}; logs in ${spec.logDir}. Check it with \`imgate status\`.\n`,
    );
  } else {
    runManager("systemctl", ["--user", "daemon-reload"]);
    runManager("systemctl", ["--user", "enable", "--now", SYSTEMD_UNIT]);
    process.stdout.write(
      `Started ${SYSTEMD_UNIT}; logs with \`journalctl --user -u imgate\`. Check it with \`imgate status\`.\n`,
    );
  }
  return 0;
}

/** `imgate gateway uninstall`. */
export async function runGatewayUninstall(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const kind = options.platform ?? defaultKind();
  const file = serviceLocation(kind, options.dir);
  if (options.dryRun || options.print) {
    process.stdout.write(`Would remove ${file}\n`);
    return 0;
  }
  if (!existsSync(file)) {
    process.stdout.write(`Nothing to remove: ${file} does not exist.\n`);
    return 0;
  }
  if (!options.dir) {
    if (kind === "launchd") {
      spawnSync("launchctl", ["bootout", `gui/${process.getuid?.() ?? 501}/${SERVICE_LABEL}`], {
        stdio: "ignore",
      });
    } else {
      spawnSync("systemctl", ["--user", "disable", "--now", SYSTEMD_UNIT], { stdio: "ignore" });
    }
  }
  await rm(file, { force: true });
  if (!options.dir && kind === "systemd")
    spawnSync("systemctl", ["--user", "daemon-reload"], { stdio: "ignore" });
  process.stdout.write(`Removed ${file}\n`);
  return 0;
}

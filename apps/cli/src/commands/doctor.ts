/**
 * `imgate doctor [--json]`: checks the whole setup — Node, config, imsg and its `rpc` support, Full Disk
 * Access, the database path, SSH reachability and host key, the state directory, the control-API token
 * and the running gateway's accounts — and names the fix for each problem. Exit 1 when any check fails.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type AccountReadiness, readinessReportSchema } from "@imgate/gateway/control-api-types";
import { z } from "zod";
import { checkConfig, readConfigFile, type ValidConfig } from "../cli-config.ts";
import { ConfigError, ExitCode } from "../cli-error.ts";
import { callControlApi, controlApiAddress } from "../control-api-client.ts";
import { parseGatewayReply } from "../gateway-reply.ts";
import { type Account, loadImessageChannel } from "../imessage-channel-api.ts";
import { writeJson, writeLines } from "../output.ts";
import { createProgress } from "../progress.ts";
import { expandPath } from "../resolve-config-path.ts";

const optionsSchema = z.object({ config: z.string().optional(), json: z.boolean().optional() });

/** Outcome of one check. */
export type CheckStatus = "ok" | "warn" | "fail";

/** One line of the doctor's report. */
export interface DoctorCheck {
  /** Stable id, e.g. `imsg.rpc` or `account.bot.database`. */
  id: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
}

const MIN_NODE_MAJOR = 24;

function check(id: string, status: CheckStatus, detail: string, fix?: string): DoctorCheck {
  return fix ? { id, status, detail, fix } : { id, status, detail };
}

/** Runs a command with a deadline; never throws. */
function runQuick(
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

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find(Boolean) ?? ""
  ).slice(0, 200);
}

async function checkLocalAccount(prefix: string, label: string, account: Account) {
  const checks: DoctorCheck[] = [];
  const dbPath = account.dbPath;
  if (dbPath) {
    const db = expandPath(dbPath);
    if (!existsSync(db)) {
      checks.push(
        check(
          `${prefix}.database`,
          "fail",
          `${label}: database ${db} does not exist`,
          "Set channels.imessage.dbPath to the Messages database (~/Library/Messages/chat.db), or remove it to use the default.",
        ),
      );
      // The handshake would fail on the database; still say whether the binary is there.
      const { locateExecutable } = await import("@imgate/gateway");
      const found = locateExecutable(account.cliPath, process.env);
      if (found.kind !== "found") {
        checks.push(
          check(
            `${prefix}.imsg`,
            "fail",
            found.kind === "not-found"
              ? `${label}: imsg not found (${found.searched})`
              : `${label}: cliPath ${found.path} is not executable (${found.reason})`,
            "Install imsg or set channels.imessage.cliPath to the imsg binary.",
          ),
        );
      }
      return checks;
    }
    checks.push(check(`${prefix}.database`, "ok", `${label}: database ${db} exists`));
  }

  const { probeImsg } = await import("@imgate/gateway");
  // The gateway's own probe: the binary is found, executable, and answers the `imsg rpc` handshake.
  const probe = await probeImsg(account, { env: process.env });
  checks.push(...probe.checks);
  const found = probe.path;
  if (!found || probe.checks.some((c) => c.status === "fail")) return checks;
  // The channel's own Full Disk Access test, the same one its probe uses.
  const { looksLikeFullDiskAccessDenial } = await import("@imgate/imessage-channel");
  const read = await runQuick(
    found,
    ["chats", "--limit", "1", "--json", ...(dbPath ? ["--db", expandPath(dbPath)] : [])],
    10_000,
  );
  if (read.code === 0) {
    checks.push(check(`${prefix}.fullDiskAccess`, "ok", `${label}: imsg can read the Messages database`));
  } else if (looksLikeFullDiskAccessDenial(read.output)) {
    checks.push(
      check(
        `${prefix}.fullDiskAccess`,
        "fail",
        `${label}: imsg cannot read the Messages database (${firstLine(read.output)})`,
        "Give Full Disk Access to the app that runs imgate (System Settings › Privacy & Security › Full Disk Access), then restart it.",
      ),
    );
  } else {
    checks.push(
      check(
        `${prefix}.fullDiskAccess`,
        "fail",
        `${label}: \`imsg chats\` failed (${read.error ?? firstLine(read.output) ?? `exit ${read.code}`})`,
        "Run `imsg chats --limit 1` yourself to see the error, and fix what it names.",
      ),
    );
  }
  return checks;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error?: string) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once("connect", () => done());
    socket.once("error", (error) => done(error.message));
  });
}

/** Whether `known_hosts` has a plain entry for the host (hashed entries are checked with ssh-keygen). */
async function knownHostStatus(
  file: string,
  host: string,
  port: number,
): Promise<"known" | "unknown" | "no-file"> {
  if (!existsSync(file)) return "no-file";
  const name = port === 22 ? host : `[${host}]:${port}`;
  const text = readFileSync(file, "utf8");
  for (const line of text.split("\n")) {
    const hosts = line.trim().split(/\s+/)[0]?.split(",") ?? [];
    if (hosts.includes(name)) return "known";
  }
  const keygen = await runQuick("ssh-keygen", ["-F", name, "-f", file], 5_000);
  return keygen.code === 0 && keygen.output.trim() !== "" ? "known" : "unknown";
}

async function checkRemoteAccount(prefix: string, label: string, account: Account) {
  const remote = account.remote as NonNullable<Account["remote"]>;
  const checks: DoctorCheck[] = [];
  const port = remote.port ?? 22;
  const error = await tcpReachable(remote.host, port, 5_000);
  if (error) {
    checks.push(
      check(
        `${prefix}.ssh`,
        "fail",
        `${label}: cannot reach ${remote.host}:${port} (${error})`,
        "Check channels.imessage.remote.host/port, that the Mac is awake and Remote Login is on (System Settings › General › Sharing).",
      ),
    );
    return checks;
  }
  checks.push(check(`${prefix}.ssh`, "ok", `${label}: ${remote.host}:${port} accepts connections`));
  const knownHosts = expandPath(remote.knownHostsFile ?? "~/.ssh/known_hosts");
  const status = await knownHostStatus(knownHosts, remote.host, port);
  if (status === "known") {
    checks.push(check(`${prefix}.hostKey`, "ok", `${label}: host key of ${remote.host} is in ${knownHosts}`));
  } else {
    const strict = (remote.hostKeyPolicy ?? "strict") === "strict";
    checks.push(
      check(
        `${prefix}.hostKey`,
        strict ? "fail" : "warn",
        `${label}: no host key for ${remote.host} in ${knownHosts}`,
        `Run \`ssh-keyscan -p ${port} ${remote.host} >> ${knownHosts}\` and compare the fingerprint with the Mac's, or connect once with \`ssh -p ${port} ${remote.user ? `${remote.user}@` : ""}${remote.host}\`.`,
      ),
    );
    if (strict) return checks;
  }
  // The gateway's own handshake over SSH: `remote.imsgPath rpc` must answer like imsg.
  const { probeRemoteImsg } = await import("@imgate/gateway");
  checks.push(await probeRemoteImsg(account, { env: process.env, timeoutMs: 10_000 }));
  return checks;
}

/** `state.db` readable by others: the gateway tightens it to 0600 when it opens it, so only a warning. */
function checkStateDb(stateDir: string): DoctorCheck[] {
  const db = join(stateDir, "state.db");
  if (!existsSync(db)) return [];
  const dbMode = statSync(db).mode & 0o777;
  if ((dbMode & 0o077) === 0) return [];
  return [
    check(
      "stateDb",
      "warn",
      `${db} is readable by others (mode ${dbMode.toString(8).padStart(4, "0")}); the gateway sets it to 0600 when it starts`,
      `Run \`chmod 600 ${db}\` (or just start the gateway).`,
    ),
  ];
}

const loopback = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

function checkToken(config: ValidConfig): DoctorCheck {
  const { host, tokenEnv } = config.gateway.http;
  const token = process.env[tokenEnv];
  if (token && token.length < 16) {
    return check(
      "token",
      "warn",
      `${tokenEnv} is set but short (${token.length} characters)`,
      `Use a long random token, e.g. \`export ${tokenEnv}=$(openssl rand -hex 24)\`.`,
    );
  }
  if (token) return check("token", "ok", `control-API token set in ${tokenEnv}`);
  if (!loopback.has(host)) {
    return check(
      "token",
      "fail",
      `gateway.http.host is ${host} but ${tokenEnv} is not set; the gateway will refuse to start`,
      `Set ${tokenEnv} to a long random value, or set gateway.http.host to 127.0.0.1.`,
    );
  }
  return check(
    "token",
    "warn",
    `${tokenEnv} is not set: any local process can use the control API on ${host}`,
    `Set ${tokenEnv} (e.g. \`export ${tokenEnv}=$(openssl rand -hex 24)\`) for the gateway and the CLI.`,
  );
}

async function checkRunningGateway(config: ValidConfig): Promise<DoctorCheck[]> {
  const address = controlApiAddress(config.gateway.http);
  let response: Awaited<ReturnType<typeof callControlApi>>;
  try {
    response = await callControlApi(address, "GET", "/readyz", undefined, { timeoutMs: 3_000 });
  } catch (error) {
    return [check("gateway", "fail", (error as Error).message, "Fix the token or restart the gateway.")];
  }
  if (!response)
    return [
      check("gateway", "ok", `gateway not running at ${address.baseUrl} (start it with \`imgate gateway\`)`),
    ];
  let accounts: AccountReadiness[] = [];
  try {
    // The report comes with 200 (ready) or 503 (not ready); other statuses carry no accounts.
    if (response.status === 200 || response.status === 503)
      accounts = parseGatewayReply(readinessReportSchema, response, "GET /readyz").accounts;
  } catch (error) {
    return [check("gateway", "fail", (error as Error).message, "Restart the gateway with this imgate.")];
  }
  const checks = [check("gateway", "ok", `gateway running at ${address.baseUrl}`)];
  for (const account of accounts) {
    if (account.state === "running") continue;
    checks.push(
      check(
        `gateway.account.${account.accountId ?? "?"}`,
        "fail",
        `account ${account.accountId} is ${account.state}${account.lastError ? `: ${account.lastError}` : ""}`,
        account.fix ?? "Fix the cause named above; the gateway retries with backoff on its own.",
      ),
    );
  }
  return checks;
}

/** Runs every check and returns them in order. */
export async function runChecks(
  configFlag: string | undefined,
  onProgress: (what: string) => void,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const major = Number(process.versions.node.split(".")[0]);
  checks.push(
    major >= MIN_NODE_MAJOR
      ? check("node", "ok", `Node ${process.versions.node}`)
      : check(
          "node",
          "fail",
          `Node ${process.versions.node} is too old`,
          `Install Node ${MIN_NODE_MAJOR} or newer (the ./imgate launcher does it for you).`,
        ),
  );

  onProgress("reading the config");
  let config: ValidConfig | undefined;
  let configPath: string | undefined;
  try {
    // Missing file: the gateway refuses to start, so doctor fails too. Empty file: all defaults.
    const file = await readConfigFile(configFlag, { allowMissing: true });
    configPath = file.path;
    if (!file.exists) {
      checks.push(
        check(
          "config",
          "fail",
          `no config file at ${file.path}; \`imgate gateway\` refuses to start without one`,
          "Create it (`imgate config set channels.imessage.enabled true` writes a minimal one) or pass --config.",
        ),
      );
    } else {
      const result = await checkConfig(file.raw);
      if (result.ok) {
        config = result.config;
        checks.push(
          check(
            "config",
            "ok",
            file.text.trim() === "" ? `${file.path} is empty: all defaults apply` : `${file.path} is valid`,
          ),
        );
      } else {
        for (const problem of result.problems) {
          checks.push(
            check(
              "config",
              "fail",
              `${file.path}: ${problem.path}: ${problem.message}`,
              "Fix that key; `imgate config validate` re-checks.",
            ),
          );
        }
      }
      // The same lines the gateway logs at start (ignored keys of the original gateway, echo-agent default).
      for (const warning of result.warnings) {
        const fix = warning.startsWith("no agents")
          ? "Add agents.list with a backend (see README)."
          : "Nothing to do for imgate; remove those keys to silence this warning.";
        checks.push(check("config", "warn", warning, fix));
      }
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push(check("config", "fail", error.message));
  }
  if (!config) return checks;

  const gateway = await import("@imgate/gateway");
  const { resolveAccounts } = await loadImessageChannel();
  const section = config.channels.imessage;
  const accounts = section ? resolveAccounts(section).filter((account) => account.enabled) : [];
  if (!section) {
    checks.push(
      check(
        "channel",
        "warn",
        "channels.imessage is not configured",
        "Add a channels.imessage section (see README).",
      ),
    );
  }
  for (const account of accounts) {
    const prefix = `account.${account.accountId}`;
    const label = `account ${account.accountId}`;
    onProgress(`checking ${label}`);
    if (account.remote) checks.push(...(await checkRemoteAccount(prefix, label, account)));
    else checks.push(...(await checkLocalAccount(prefix, label, account)));
  }
  // The gateway's own start checks (state directory, secrets, control port), so both reach one verdict.
  const stateDir = gateway.resolveStateDir(process.env, config, configPath);
  const startChecks = await gateway.runStartChecks({ config, stateDir, env: process.env, caller: "doctor" });
  checks.push(...startChecks);
  if (startChecks.find((c) => c.id === "stateDir")?.status !== "fail") checks.push(...checkStateDb(stateDir));
  checks.push(checkToken(config));
  const port = startChecks.find((c) => c.id === "controlPort");
  if (port?.status !== "fail") {
    onProgress("asking the running gateway");
    checks.push(...(await checkRunningGateway(config)));
  }
  return checks;
}

const marks: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗" };

/** `imgate doctor [--json]`. */
export async function runDoctor(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const progress = createProgress({ quiet: true });
  const checks = await runChecks(options.config, (what) => progress.note(what));
  progress.done();
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  if (options.json) {
    writeJson({ ok: failed === 0, failed, warnings: warned, checks });
  } else {
    const lines: string[] = [];
    for (const c of checks) {
      lines.push(`${marks[c.status]} ${c.detail}`);
      if (c.fix && c.status !== "ok") lines.push(`    fix: ${c.fix}`);
    }
    lines.push(
      "",
      failed === 0
        ? `All checks passed${warned ? ` (${warned} warning${warned > 1 ? "s" : ""})` : ""}.`
        : `${failed} check${failed > 1 ? "s" : ""} failed.`,
    );
    writeLines(lines);
  }
  return failed === 0 ? ExitCode.ok : ExitCode.failure;
}

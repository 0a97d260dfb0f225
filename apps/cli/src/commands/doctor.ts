/**
 * `imgate doctor [--json]`: checks the whole setup — Node, config, imsg and its `rpc` support, Full Disk
 * Access, the database path, SSH reachability and host key, the state directory, the control-API token
 * and the running gateway's accounts — and names the fix for each problem. Exit 1 when any check fails.
 */
import { z } from "zod";
import { checkConfig, readConfigFile, type ValidConfig } from "../cli-config.ts";
import { ConfigError, ExitCode } from "../cli-error.ts";
import { loadImessageChannel } from "../imessage-channel-api.ts";
import { writeJson, writeLines } from "../output.ts";
import { createProgress } from "../progress.ts";
import { checkLocalAccount } from "./doctor/check-local-account.ts";
import { checkRemoteAccount } from "./doctor/check-remote-account.ts";
import { checkRunningGateway } from "./doctor/check-running-gateway.ts";
import { checkSharedDatabase } from "./doctor/check-shared-database.ts";
import { checkStateDb } from "./doctor/check-state-db.ts";
import { checkToken } from "./doctor/check-token.ts";
import { type CheckStatus, check, type DoctorCheck } from "./doctor/doctor-check.ts";

export type { CheckStatus, DoctorCheck } from "./doctor/doctor-check.ts";

const optionsSchema = z.object({ config: z.string().optional(), json: z.boolean().optional() });

const MIN_NODE_MAJOR = 24;

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
  if (config.gateway.state?.postgres) {
    onProgress("asking the shared database");
    checks.push(...(await checkSharedDatabase(config, process.env)));
  }
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

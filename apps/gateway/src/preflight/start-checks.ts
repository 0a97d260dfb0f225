/**
 * The start checks of the gateway, shared with `imgate doctor` so that both reach the same verdict:
 * the state directory is usable, the control port is free (or held by an imgate gateway), every secret
 * the config names through an `*Env` key is set, every group that requires a mention has an agent with a usable
 * mention pattern, and — for doctor — each local `cliPath` answers a real
 * `imsg rpc` handshake.
 */
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { checkControlPort } from "./check-control-port.ts";
import { checkMediaSettings } from "./check-media-settings.ts";
import { checkMentionPatterns } from "./check-mention-patterns.ts";
import { checkSecretEnvs } from "./check-secret-envs.ts";
import { checkSharedState } from "./check-shared-state.ts";
import { checkStateDir } from "./check-state-dir.ts";

/** Outcome of one start check. */
export type StartCheckStatus = "ok" | "warn" | "fail";

/** One start check: what was found and, when not ok, the fix. */
export interface StartCheck {
  /** Stable id, e.g. `stateDir`, `controlPort`, `env.OPENAI_API_KEY`. */
  id: string;
  status: StartCheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
}

/** Builds a {@link StartCheck}. */
export function startCheck(id: string, status: StartCheckStatus, detail: string, fix?: string): StartCheck {
  return fix ? { id, status, detail, fix } : { id, status, detail };
}

/** Options of {@link runStartChecks}. */
export interface StartCheckOptions {
  config: GatewayConfig;
  /** The resolved state directory (`resolveStateDir`). */
  stateDir: string;
  env: NodeJS.ProcessEnv;
  /**
   * Who asks: the gateway itself (`gateway`: a taken port fails, unset secrets are warnings) or
   * `doctor` (a port held by a running imgate gateway is fine; unset secrets fail).
   */
  caller: "gateway" | "doctor";
  /** Check the control port (default true; off when the control API is not served). */
  controlPort?: boolean;
}

/**
 * Runs the start checks in order (state directory, secrets, control port); never throws. The gateway
 * refuses to start on any `fail`, logs each `warn`; doctor prints them all.
 */
export async function runStartChecks(options: StartCheckOptions): Promise<StartCheck[]> {
  const checks: StartCheck[] = [checkStateDir(options.stateDir)];
  checks.push(...checkSecretEnvs(options.config, options.env, options.caller));
  checks.push(...checkSharedState(options.config, options.env));
  checks.push(...checkMentionPatterns(options.config));
  checks.push(...checkMediaSettings(options.config));
  if (options.controlPort !== false) {
    checks.push(await checkControlPort(options.config.gateway.http, options.caller));
  }
  return checks;
}

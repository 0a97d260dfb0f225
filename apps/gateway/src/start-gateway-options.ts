import type { Clock, Logger } from "@imgate/channel-core";
import type { RestartOptions } from "@imgate/imsg-rpc";
import type { AgentBackendDeps } from "./agents/create-agent-backend.ts";
import type { GatewayConfig } from "./config/gateway-config-schema.ts";
import type { ReadinessReport } from "./control-api/control-api-types.ts";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  /** The validated config (see `loadConfig`). */
  config: GatewayConfig;
  /** The file it came from; when given, edits to it are applied live (only affected accounts restart). */
  configPath?: string;
  /** State directory (see `resolveStateDir`); `state.db` lives here. */
  stateDir: string;
  /** A pino logger (see `createLogger`) or anything with the same four methods. */
  logger: Logger & { child?: (bindings: Record<string, unknown>) => Logger };
  /** Environment for tokens, API keys and `~` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** imsg restart policy (tests shorten it). */
  restart?: RestartOptions;
  /** Injected edges of the agent backends (tests). */
  agentDeps?: AgentBackendDeps;
  /** Quiet period after a config file change before it is read (default 300 ms). */
  configDebounceMs?: number;
  /** Interval of the purge of expired pairing requests and dedupe marks (default hourly). */
  housekeepingIntervalMs?: number;
  /** Serve the control API (default true). */
  controlApi?: boolean;
}

/** What {@link GatewayHandle.status} reports. */
export interface GatewayStatus extends ReadinessReport {
  /** URL of the control API, when it is served. */
  controlUrl?: string;
  /** Turns waiting or running in the agent queue. */
  pendingTurns: number;
}

/** A running gateway. */
export interface GatewayHandle {
  /** The control API's URL (e.g. `http://127.0.0.1:18790`), when served. */
  readonly controlUrl: string | undefined;
  readonly metrics: GatewayMetrics;
  /** Per-account readiness and queue size. */
  status(): GatewayStatus;
  /**
   * Applies a new config: accounts whose effective settings changed are restarted, removed ones stopped,
   * new ones started; agents, bindings and messages settings apply to the next turn. Returns the account
   * ids that were restarted, started or stopped.
   */
  reload(config: GatewayConfig): Promise<{ restarted: string[]; started: string[]; stopped: string[] }>;
  /**
   * Graceful stop: intake stops, queued turns get `gateway.shutdownTimeoutMs` to finish, then in-flight
   * agent calls are abandoned (their messages are replayed on the next start), delivery stops, imsg and
   * the state store close. Idempotent.
   */
  stop(): Promise<void>;
}

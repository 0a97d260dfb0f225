import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createSqliteBackend, type Logger, openStateStore, systemClock } from "@imgate/channel-core";
import { isConfigError } from "./config/config-error.ts";
import type { GatewayConfig } from "./config/gateway-config-schema.ts";
import { loadConfig } from "./config/load-config.ts";
import { watchConfigFile } from "./config/watch-config-file.ts";
import { ControlApiHttpError } from "./control-api/control-api-http-error.ts";
import type { ReadinessReport } from "./control-api/control-api-types.ts";
import { type ControlServer, startControlServer } from "./control-api/control-server.ts";
import { createControlApiHandlers } from "./create-control-api-handlers.ts";
import { GatewayError, GatewayErrorCode } from "./errors/gateway-error.ts";
import type { LeaseView } from "./leases/lease-view.ts";
import { type LeasedAccounts, serveLeasedAccounts } from "./leases/serve-leased-accounts.ts";
import { logErrorFields } from "./logging/log-error-fields.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { pairingOptionsOf } from "./pairing-options-of.ts";
import { type AccountRuntime, createAccountRuntime } from "./pipeline/account-runtime.ts";
import { type AgentRegistry, createAgentRegistry } from "./pipeline/agent-registry.ts";
import { createChatCommandHandler } from "./pipeline/chat-command-handler.ts";
import { type CoreServices, createCoreServices, sqliteBackendOptionsOf } from "./pipeline/core-services.ts";
import { startHousekeeping } from "./pipeline/housekeeping.ts";
import { defaultAccountIdOf, planWatchers, type WatcherPlan } from "./pipeline/plan-accounts.ts";
import { createSessionQueue } from "./pipeline/session-queue.ts";
import { runStartChecks } from "./preflight/start-checks.ts";
import { registerRuntimeMetrics } from "./register-runtime-metrics.ts";
import type { GatewayHandle, StartGatewayOptions } from "./start-gateway-options.ts";
import { openPostgresState, type PostgresState } from "./state/open-postgres-state.ts";

export { pairingOptionsOf } from "./pairing-options-of.ts";
export type { GatewayHandle, GatewayStatus, StartGatewayOptions } from "./start-gateway-options.ts";

function childLogger(logger: StartGatewayOptions["logger"], bindings: Record<string, unknown>): Logger {
  return typeof logger.child === "function" ? logger.child(bindings) : logger;
}

/**
 * Starts the gateway: opens `<stateDir>/state.db`, starts one watcher per transport and database (local
 * spawn of `cliPath` or ssh2 via `remote`), wires the pipeline (inbound → policy → agent queue → outbox →
 * delivery), and serves the control API. Accounts whose transport fails keep retrying with backoff; their
 * errors show in `status()`.
 * @throws {GatewayError} `GATEWAY_START` (state store, port) or `CONTROL_API_UNSAFE`.
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayHandle> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  let config = options.config;
  let agents: AgentRegistry = createAgentRegistry(config, { env, logger, ...options.agentDeps });
  const metrics = createGatewayMetrics();

  // The same checks `imgate doctor` runs, so both agree; nothing is created before they pass.
  for (const found of await runStartChecks({
    config,
    stateDir: options.stateDir,
    env,
    caller: "gateway",
    controlPort: options.controlApi !== false,
  })) {
    if (found.status === "fail") {
      throw new GatewayError(GatewayErrorCode.GatewayStart, `${found.detail}. ${found.fix ?? ""}`.trim());
    }
    if (found.status === "warn") logger.warn({ check: found.id, fix: found.fix }, found.detail);
  }
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  let core: CoreServices;
  /** The shared state of `gateway.state.postgres` (ADR 0016); undefined on SQLite, the default. */
  let shared: PostgresState | undefined;
  try {
    if (config.gateway.state?.postgres) {
      shared = await openPostgresState({ config, env, logger, clock, applicationName: "imgate gateway" });
      core = createCoreServices(shared.backend, logger);
    } else {
      // NORMAL: a killed gateway loses nothing (WAL); only power loss can roll back the last commits, and
      // the outbox's reconciliation and dedupe cover those (docs/decisions/0004-state-db-synchronous-normal.md).
      // Under busy writes, WAL checkpoints run in a thread of their own (docs/decisions/0010-…).
      const store = openStateStore({
        path: join(options.stateDir, "state.db"),
        logger,
        clock,
        synchronous: "normal",
        backgroundCheckpoints: true,
      });
      core = createCoreServices(
        createSqliteBackend(store, sqliteBackendOptionsOf(pairingOptionsOf(config))),
        logger,
      );
    }
  } catch (error) {
    await shared?.close();
    const where = config.gateway.state?.postgres
      ? `the shared state database: ${(error as Error).message}`
      : `the state database in ${options.stateDir} (${(error as Error).message}); check the directory's permissions or IMGATE_STATE_DIR.`;
    throw new GatewayError(GatewayErrorCode.GatewayStart, `Cannot open ${where}`, { cause: error });
  }
  const closeState = async () => {
    await core.backend.close();
    await shared?.close();
  };
  const housekeeping = startHousekeeping(core, {
    logger,
    clock,
    ...(options.housekeepingIntervalMs !== undefined ? { intervalMs: options.housekeepingIntervalMs } : {}),
  });
  const configRestarts = new Map<string, number>();
  const queue = createSessionQueue({ maxConcurrent: config.gateway.maxConcurrentSessions });
  const abort = new AbortController();
  const runtimes = new Map<string, { plan: WatcherPlan; runtime: AccountRuntime }>();
  // `/config` edits `configPath`; the config watcher below applies the written file.
  const chatCommands = createChatCommandHandler({
    core,
    getConfig: () => config,
    logger,
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
  });

  const startWatcher = (plan: WatcherPlan, lease?: LeaseView) => {
    const runtime = createAccountRuntime({
      account: plan.owner,
      accounts: plan.accounts,
      defaultAccountId: defaultAccountIdOf(config),
      getConfig: () => config,
      getAgents: () => agents,
      core,
      queue,
      metrics,
      logger: childLogger(logger, { account: plan.owner.accountId }),
      clock,
      env,
      stateDir: options.stateDir,
      abortSignal: abort.signal,
      chatCommands,
      ...(options.restart ? { restart: options.restart } : {}),
      ...(lease ? { lease } : {}),
    });
    runtimes.set(plan.sourceKey, { plan, runtime });
    if (plan.accountIds.length > 1) {
      logger.info(
        { accounts: plan.accountIds },
        "accounts share one transport and database; one watcher serves them",
      );
    }
    runtime.start();
  };

  const runtimeFor = (accountId: string | undefined): AccountRuntime => {
    const id = accountId ?? defaultAccountIdOf(config);
    for (const { runtime } of runtimes.values()) if (runtime.accountIds.includes(id)) return runtime;
    throw new ControlApiHttpError(
      404,
      "account_not_found",
      `No running account "${id}"; check channels.imessage.accounts.`,
    );
  };

  const runtimeMetrics = registerRuntimeMetrics(metrics, runtimes, core, clock);

  /** Readiness with the state-store fields as of the last refresh (they refresh every few seconds). */
  const readiness = (): ReadinessReport => {
    const accounts = [...runtimes.values()].flatMap(({ runtime }) =>
      runtime.readiness().map((account) => {
        const count = configRestarts.get(account.accountId);
        return count ? { ...account, configRestarts: count } : account;
      }),
    );
    accounts.push(...(leased?.standby() ?? []));
    // A standby account is as it should be: another gateway serves it.
    return {
      ready: accounts.every((account) => account.state === "running" || account.state === "standby"),
      accounts,
    };
  };
  const handlers = createControlApiHandlers({
    core,
    metrics,
    logger,
    readiness: async () => {
      await Promise.all([...runtimes.values()].map(({ runtime }) => runtime.refreshStatus()));
      return readiness();
    },
    refreshMetrics: () => runtimeMetrics.refresh(),
    runtimeFor,
    accountIds: () => [...runtimes.values()].flatMap(({ runtime }) => [...runtime.accountIds]),
    wakeAll: () => {
      for (const { runtime } of runtimes.values()) runtime.wake();
    },
  });

  let control: ControlServer | undefined;
  if (options.controlApi !== false) {
    const http = config.gateway.http;
    try {
      control = await startControlServer({
        host: http.host,
        port: http.port,
        token: env[http.tokenEnv],
        tokenEnv: http.tokenEnv,
        handlers,
        logger,
      });
    } catch (error) {
      housekeeping.stop();
      await closeState();
      throw error;
    }
  }

  // Accounts start only once the control API listens: a taken port fails before any account starts.
  const plans = planWatchers(config);
  if (plans.length === 0) logger.warn({}, "no enabled channels.imessage account; only the control API runs");
  /** On a shared database, each watcher runs only while this gateway holds its account's lease. */
  const leased: LeasedAccounts | undefined = shared
    ? serveLeasedAccounts({
        state: shared,
        config,
        logger,
        clock,
        startWatcher,
        stopWatcher: async (plan) => {
          const entry = runtimes.get(plan.sourceKey);
          runtimes.delete(plan.sourceKey);
          await entry?.runtime.stop();
        },
      })
    : undefined;
  if (leased) {
    try {
      await leased.serve(plans);
    } catch (error) {
      await control?.close();
      housekeeping.stop();
      await closeState();
      throw new GatewayError(
        GatewayErrorCode.GatewayStart,
        `Cannot take the account leases: ${(error as Error).message}`,
        { cause: error },
      );
    }
  } else {
    for (const plan of plans) startWatcher(plan);
  }

  const reload = async (next: GatewayConfig) => {
    const report = { restarted: [] as string[], started: [] as string[], stopped: [] as string[] };
    config = next;
    agents = createAgentRegistry(next, { env, logger, ...options.agentDeps });
    if (leased) {
      // Watchers follow the leases: changed ones restart if served, new ones start once their lease is held.
      const before = new Map([...runtimes.values()].map(({ plan }) => [plan.sourceKey, plan]));
      const after = planWatchers(next);
      for (const plan of after) {
        const was = before.get(plan.sourceKey);
        if (!was) report.started.push(...plan.accountIds);
        else if (was.fingerprint !== plan.fingerprint) report.restarted.push(...plan.accountIds);
        before.delete(plan.sourceKey);
      }
      for (const plan of before.values()) report.stopped.push(...plan.accountIds);
      await leased.serve(after);
      logger.info(report, "config reloaded");
      return report;
    }
    const wanted = new Map(planWatchers(next).map((plan) => [plan.sourceKey, plan]));
    for (const [key, { plan, runtime }] of [...runtimes.entries()]) {
      const replacement = wanted.get(key);
      if (replacement && replacement.fingerprint === plan.fingerprint) {
        wanted.delete(key);
        continue;
      }
      await runtime.stop();
      runtimes.delete(key);
      if (replacement) {
        startWatcher(replacement);
        report.restarted.push(...replacement.accountIds);
        for (const id of replacement.accountIds) configRestarts.set(id, (configRestarts.get(id) ?? 0) + 1);
        wanted.delete(key);
      } else {
        report.stopped.push(...plan.accountIds);
      }
    }
    for (const plan of wanted.values()) {
      startWatcher(plan);
      report.started.push(...plan.accountIds);
    }
    logger.info(report, "config reloaded");
    return report;
  };

  let reloading = Promise.resolve();
  const configWatch = options.configPath
    ? watchConfigFile(
        options.configPath,
        () => {
          reloading = (async () => {
            try {
              const loaded = await loadConfig({ path: options.configPath as string });
              if (JSON.stringify(loaded.config) === JSON.stringify(config)) return;
              await reload(loaded.config);
            } catch (error) {
              logger.error(
                { ...logErrorFields(error), issues: isConfigError(error) ? error.issues : undefined },
                "config change ignored: the new file is invalid; the running config stays",
              );
            }
          })();
          return reloading;
        },
        {
          logger,
          ...(options.configDebounceMs !== undefined ? { debounceMs: options.configDebounceMs } : {}),
        },
      )
    : undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      configWatch?.close();
      housekeeping.stop();
      await reloading;
      const all = [...runtimes.values()].map(({ runtime }) => runtime);
      await Promise.all(all.map((runtime) => runtime.stopIntake()));
      const stopStarted = Date.now();
      const deadline = config.gateway.shutdownTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        queue.idle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadline))),
      ]);
      if (timer) clearTimeout(timer);
      if (!finished)
        logger.warn(
          { pending: queue.pending() },
          "shutdown deadline reached; abandoning in-flight turns (replayed on the next start)",
        );
      abort.abort(new GatewayError(GatewayErrorCode.AgentAborted, "The gateway is stopping."));
      await Promise.race([queue.idle(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      // Replies of finished turns get what is left of the deadline to go out; the rest stays queued.
      const left = Math.max(0, deadline - (Date.now() - stopStarted));
      await Promise.all(all.map((runtime) => runtime.flush(left)));
      await Promise.all(all.map((runtime) => runtime.stop()));
      // Released only now: a standby takes over once nothing here sends or commits any more.
      await leased?.stop();
      await control?.close();
      await closeState();
      logger.info({}, "gateway stopped");
    })();
    return stopping;
  };

  logger.info(
    { stateDir: options.stateDir, accounts: plans.flatMap((plan) => plan.accountIds), control: control?.url },
    "gateway started",
  );
  return {
    controlUrl: control?.url,
    metrics,
    status: () => ({
      ...readiness(),
      ...(control ? { controlUrl: control.url } : {}),
      pendingTurns: queue.pending(),
    }),
    reload,
    stop,
  };
}

import { silentLogger } from "@imgate/channel-core";
import { waitFor } from "@imgate/imsg-sim/testing";
import { type GatewayHandle, type StartGatewayOptions, startGateway } from "../gateway.ts";

/** Options of {@link startSimGateway}: the gateway's own, minus the logger and environment it sets. */
export interface StartSimGatewayOptions extends Omit<StartGatewayOptions, "logger" | "env"> {
  /** The bot's own handle in imsg-sim (`IMSG_SIM_SELF`). */
  self: string;
  /** More imsg-sim switches (e.g. `IMSG_SIM_FAIL_SEND_MATCH`); they win over the defaults. */
  simEnv?: Record<string, string>;
}

/**
 * Starts the gateway in-process against imsg-sim (compat 0.15, 50 ms polling, no control-API token, silent
 * logs) and resolves once every account is ready; stops it again if it never gets there.
 */
export async function startSimGateway(options: StartSimGatewayOptions): Promise<GatewayHandle> {
  const { self, simEnv, ...gatewayOptions } = options;
  const gateway = await startGateway({
    ...gatewayOptions,
    logger: silentLogger,
    env: {
      ...process.env,
      IMSG_SIM_COMPAT: "0.15",
      IMSG_SIM_SELF: self,
      IMSG_SIM_POLL_MS: "50",
      IMGATE_TOKEN: "",
      ...simEnv,
    },
  });
  try {
    await waitFor(() => (gateway.status().ready ? true : undefined), "the account to be ready");
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return gateway;
}

import type { GatewayConfig } from "./config/gateway-config-schema.ts";

/** The pairing settings of the config, for the pairing service (shared with the CLI's pairing commands). */
export function pairingOptionsOf(config: GatewayConfig): {
  pairingExpiryMs: number;
  pairingRejectCooldownMs?: number;
} {
  const cooldown = config.channels.imessage?.pairingRejectCooldownMs;
  return {
    pairingExpiryMs: config.gateway.pairingExpiryMs,
    ...(cooldown !== undefined ? { pairingRejectCooldownMs: cooldown } : {}),
  };
}

import { resolveAccounts } from "@imgate/imessage-channel";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/**
 * A warning when an `openai` agent has `vision` or `transcription` but no enabled account passes files on
 * (`includeAttachments` is off everywhere): the setting could never take effect, which is rarely meant.
 */
export function checkMediaSettings(config: GatewayConfig): StartCheck[] {
  const passesFiles = resolveAccounts(config.channels.imessage).some(
    (account) => account.enabled && account.includeAttachments,
  );
  if (passesFiles) return [];
  const checks: StartCheck[] = [];
  config.agents.list.forEach((agent, index) => {
    const backend = agent.backend;
    if (backend.type !== "openai") return;
    const wanted = [backend.vision ? "vision" : "", backend.transcription ? "transcription" : ""].filter(
      Boolean,
    );
    if (wanted.length === 0) return;
    checks.push(
      startCheck(
        `media.${agent.id}`,
        "warn",
        `agents.list[${index}].backend sets ${wanted.join(" and ")}, but channels.imessage.includeAttachments is off, so no photo or voice memo reaches agent "${agent.id}"`,
        "Set channels.imessage.includeAttachments to true (or remove the setting).",
      ),
    );
  });
  return checks;
}

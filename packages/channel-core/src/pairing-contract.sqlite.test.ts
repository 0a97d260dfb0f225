/** The shared pairing contract (`pairing-contract.ts`) on the SQLite store, through the async API. */
import { openTempStateStore } from "./__fixtures__/temp-state-store.ts";
import { describePairingContract } from "./pairing-contract.ts";
import { createPairingService, type PairingService } from "./pairing-service.ts";
import type { AsyncPairing } from "./state/state-backend.ts";

/** The sync service behind promises, as the SQLite state backend offers it. */
function asyncOf(service: PairingService): AsyncPairing {
  return {
    request: async (input) => service.request(input),
    approve: async (channel, code) => service.approve(channel, code),
    reject: async (channel, code) => service.reject(channel, code),
    list: async (channel) => service.list(channel),
    isApprovedSender: async (channel, sender) => service.isApprovedSender(channel, sender),
    listApproved: async (channel) => service.listApproved(channel),
    addApproved: async (channel, sender) => service.addApproved(channel, sender),
    removeApproved: async (channel, sender) => service.removeApproved(channel, sender),
    purgeExpired: async () => service.purgeExpired(),
    expiryMs: service.expiryMs,
    rejectCooldownMs: service.rejectCooldownMs,
    counters: () => service.counters(),
  };
}

describePairingContract("SQLite", async () => {
  const temp = openTempStateStore();
  return {
    clock: temp.clock,
    open: (limits) => asyncOf(createPairingService({ store: temp.store, ...limits })),
    dispose: () => temp.dispose(),
  };
});

// Run by state-store.two-process.test.ts as a separate Node process (`node concurrent-writer.ts <db> <role> <n>`):
// waits for "go" on stdin, then approves pairing codes and records history, dedupe marks and outbox entries in
// the shared state.db while the test process does the same.
import { createHistoryStore } from "../history-store.ts";
import { createInboundDedupe } from "../inbound-dedupe.ts";
import { createOutbox } from "../outbox.ts";
import { createPairingService } from "../pairing-service.ts";
import { openStateStore } from "../state-store.ts";
import { runWriterLoop } from "./writer-loop.ts";

const [path, role, count] = process.argv.slice(2);
if (!path || !role || !count) {
  process.stderr.write("usage: concurrent-writer.ts <db> <role> <count>\n");
  process.exit(2);
}
// A loaded machine can keep the other writer's lock for seconds: this test is about lost writes, not waits.
const store = openStateStore({ path, busyTimeoutMs: 60_000 });
const tools = {
  pairing: createPairingService({ store, maxRepliesPerHour: 1_000_000 }),
  history: createHistoryStore(store),
  dedupe: createInboundDedupe({ store }),
  outbox: createOutbox({ store, requireReconcile: false }),
};
process.stdout.write("ready\n");
process.stdin.once("data", () => {
  // Pipes are written synchronously on Linux, so the test reads this before the loop below starts.
  process.stdout.write("started\n");
  runWriterLoop(tools, role, Number(count));
  store.close();
  process.stdout.write("done\n");
  process.exit(0);
});

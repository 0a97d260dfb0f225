import { allowlistConfig } from "../harness/allowlist-config.ts";
import {
  auditReplies,
  type Compat,
  type GatewayProcess,
  type ReplyAudit,
  readOutgoingRows,
  startGateway,
} from "../harness/index.ts";
import { killImsgChildren } from "./imsg-children.ts";
import { sampleMemory } from "./process-memory.ts";
import { type MetricSample, scrapeMetrics, sumMetric } from "./prometheus-text.ts";
import { seededRandom } from "./seeded-random.ts";

/** Settings of one {@link runChaos}. */
export interface ChaosOptions {
  compat: Compat;
  messages: number;
  chats: number;
  imsgKillEvery: number;
  gatewayKills: number;
  seed: number;
  timeoutMs: number;
}

/** What one chaos run observed (the reply audit plus the run's counts); the test asserts on it and prints it. */
export interface ChaosReport extends ReplyAudit {
  compat: Compat;
  seed: number;
  injected: number;
  uninvited: number;
  imsgKills: number;
  gatewayKills: number;
  transportRestarts: number;
  dropsByReason: Record<string, number>;
  peakRssMb: number;
  seconds: number;
}

interface Conversation {
  /** Allowed senders of the conversation (one for a DM). */
  members: string[];
  group?: { identifier: string; name: string };
}

interface Planned {
  text: string;
  from: string;
  conversation: Conversation;
  allowed: boolean;
  chatId?: number;
}

const STRANGER = "+15559990000";
const INJECT_WINDOW = 40;
const INJECT_BATCH = 10;

function phone(index: number): string {
  return `+1555${String(100_0000 + index).slice(-7)}`;
}

/** Builds conversations (about one group in five) and the seeded message plan (about 4 % uninvited). */
function plan(options: ChaosOptions, rng: ReturnType<typeof seededRandom>): Planned[] {
  const conversations: Conversation[] = [];
  for (let c = 0; c < options.chats; c++) {
    if (c % 5 === 4) {
      conversations.push({
        members: [phone(c * 10 + 1), phone(c * 10 + 2)],
        group: { identifier: `chat${900_000 + c}`, name: `Chaos ${c}` },
      });
    } else conversations.push({ members: [phone(c * 10 + 1)] });
  }
  const planned: Planned[] = [];
  for (let i = 0; i < options.messages; i++) {
    const conversation = rng.pick(conversations);
    const uninvited = rng.next() < 0.04;
    const from = uninvited ? STRANGER : rng.pick(conversation.members);
    // A stranger writing "into" a DM conversation gets their own DM chat; into a group, the group.
    const target = uninvited && !conversation.group ? { members: [STRANGER] } : conversation;
    planned.push({ text: `chaos ${options.seed} #${i}`, from, conversation: target, allowed: !uninvited });
  }
  return planned;
}

function addCounts(into: Record<string, number>, samples: readonly MetricSample[]): void {
  for (const s of samples) {
    if (s.name !== "imgate_messages_dropped_total") continue;
    const reason = s.labels.reason ?? "?";
    into[reason] = (into[reason] ?? 0) + s.value;
  }
}

/**
 * Drives one gateway through a message storm from imsg-sim while SIGKILLing its imsg child about every
 * `imsgKillEvery` inbound notifications and the gateway itself `gatewayKills` times at seeded random points,
 * then stops it gracefully and reads every outgoing row of the chat.db.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const rng = seededRandom(options.seed);
  const planned = plan(options, rng);
  const members = [...new Set(planned.filter((p) => p.allowed).map((p) => p.from))];
  const gateway: GatewayProcess = await startGateway({
    compat: options.compat,
    config: allowlistConfig(members),
    readyTimeoutMs: 60_000,
  });
  const memory = sampleMemory(() => gateway.pid);
  const allowedTotal = planned.filter((p) => p.allowed).length;
  const gatewayKillAt = Array.from({ length: options.gatewayKills }, () =>
    Math.floor(allowedTotal * (0.1 + 0.8 * rng.next())),
  ).sort((a, b) => a - b);
  const jitteredKillEvery = () => Math.max(1, Math.round(options.imsgKillEvery * (0.8 + 0.4 * rng.next())));

  const dropsByReason: Record<string, number> = {};
  let lastScrape: MetricSample[] = [];
  let injected = 0;
  let allowedInjected = 0;
  let imsgKills = 0;
  let gatewayKills = 0;
  let transportRestarts = 0;
  let lastIn = 0;
  let sinceKill = 0;
  let nextImsgKill = jitteredKillEvery();
  const deadline = started + options.timeoutMs;
  const answeredAllowed = async () => {
    const texts = new Set((await readOutgoingRows(gateway.dbPath)).map((row) => row.text));
    return planned.filter((p) => p.allowed && texts.has(p.text)).length;
  };

  try {
    for (;;) {
      const answered = await answeredAllowed();
      // Gateway kills are checked before the exit test: a fast run can jump from below a kill point to
      // "all answered" between two iterations, and every planned kill must still happen.
      if (gatewayKills < gatewayKillAt.length && answered >= (gatewayKillAt[gatewayKills] as number)) {
        addCounts(dropsByReason, lastScrape);
        transportRestarts += sumMetric(lastScrape, "imgate_transport_restarts_total");
        lastScrape = [];
        await gateway.kill("SIGKILL");
        gatewayKills++;
        lastIn = 0;
        await gateway.restart();
      }
      if (injected === planned.length && answered >= allowedTotal) break;
      if (Date.now() > deadline) {
        const warnings = new Map<string, number>();
        for (const line of gateway.logs({ allRuns: true }))
          if (line.level >= 40) {
            const detail = line.err ? ` (${(line.err as { message?: string }).message ?? ""})` : "";
            const key = `${line.msg}${detail}`.slice(0, 300);
            warnings.set(key, (warnings.get(key) ?? 0) + 1);
          }
        throw new Error(
          `chaos (${options.compat}, seed ${options.seed}): only ${answered}/${allowedTotal} allowed messages answered before the deadline (${imsgKills} imsg kills, ${gatewayKills} gateway kills); warnings: ${JSON.stringify([...warnings])}; stderr:\n${gateway.stderr.slice(-2000)}`,
        );
      }
      // Keep a bounded number of unanswered messages in flight, so kills land in the middle of the flow.
      // Only allowed messages are ever answered: counting the uninvited ones would fill the window for good.
      // Injection also waits at the next gateway kill point, so that kill lands mid-stream (with messages in
      // flight) however fast the gateway answers.
      const nextKillAt = gatewayKillAt[gatewayKills] ?? Number.POSITIVE_INFINITY;
      if (
        injected < planned.length &&
        allowedInjected - answered < INJECT_WINDOW &&
        allowedInjected < nextKillAt + INJECT_WINDOW
      ) {
        for (const p of planned.slice(injected, injected + INJECT_BATCH)) {
          const group = p.conversation.group;
          p.chatId = gateway.inject({
            from: p.from,
            text: p.text,
            ...(group
              ? {
                  chatIdentifier: group.identifier,
                  group: true,
                  name: group.name,
                  participants: p.conversation.members,
                }
              : {}),
          }).chatId;
          injected++;
          if (p.allowed) allowedInjected++;
        }
      }
      const samples = await scrapeMetrics(gateway.controlUrl);
      if (samples.length > 0) {
        lastScrape = samples;
        // Notifications of inbound messages (the bot's own rows come back as notifications too; not counted).
        const inbound =
          sumMetric(samples, "imgate_messages_in_total") -
          sumMetric(samples, "imgate_messages_dropped_total", { reason: "from-me" });
        sinceKill += Math.max(0, inbound - lastIn);
        lastIn = inbound;
        if (sinceKill >= nextImsgKill && killImsgChildren(gateway.pid) > 0) {
          imsgKills++;
          sinceKill = 0;
          nextImsgKill = jitteredKillEvery();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.messages > 2_000 ? 150 : 40));
    }
    const final = await scrapeMetrics(gateway.controlUrl);
    addCounts(dropsByReason, final.length > 0 ? final : lastScrape);
    transportRestarts += sumMetric(final.length > 0 ? final : lastScrape, "imgate_transport_restarts_total");
    memory.stop();
    // Graceful stop: nothing can be sent after this, so the counts below are final.
    await gateway.stop();
  } catch (error) {
    memory.stop();
    await gateway.dispose();
    throw error;
  }

  const rows = await readOutgoingRows(gateway.dbPath);
  await gateway.dispose();
  const audit = auditReplies(planned, rows);
  return {
    ...audit,
    compat: options.compat,
    seed: options.seed,
    injected,
    uninvited: planned.length - audit.allowed,
    imsgKills,
    gatewayKills,
    transportRestarts,
    dropsByReason,
    peakRssMb: memory.peakMb(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

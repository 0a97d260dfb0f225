import {
  type Counter,
  createMetricsRegistry,
  type Histogram,
  type MetricsRegistry,
} from "./metrics-registry.ts";

/** The gateway's metrics, served at `GET /metrics`. */
export interface GatewayMetrics {
  registry: MetricsRegistry;
  /** Inbound messages seen, by account. */
  messagesIn: Counter;
  /** Messages delivered (per chunk sent), by account. */
  messagesOut: Counter;
  /** Inbound messages not answered, by account and reason (policy, mention, dedupe, echo, …). */
  messagesDropped: Counter;
  /** Agent backend failures, by agent and error code. */
  agentErrors: Counter;
  /** Agent turns given up after failures (a failure reply was due), by account, agent and reason. */
  agentTurnsGivenUp: Counter;
  /** Agent turns scheduled for another attempt after a retryable failure, by account and agent. */
  agentTurnRetries: Counter;
  /** Agent reply latency in seconds, by agent and backend. */
  agentLatency: Histogram;
  /** Transport (imsg rpc) restarts, by account. */
  restarts: Counter;
  /** Outbound holds (a pause, a limit), by account and reason. */
  outboundHolds: Counter;
  /** Reply storms detected (a chat over `messages.stormTurnsPerMinute`), by account. */
  replyStorms: Counter;
  /** Watches found deaf (rows imsg has that the stream never delivered) and resubscribed, by account. */
  deafStreams: Counter;
}

/** Creates the gateway's metric set in a fresh registry. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry();
  return {
    registry,
    messagesIn: registry.counter("imgate_messages_in_total", "Inbound messages received."),
    messagesOut: registry.counter("imgate_messages_out_total", "Outbound messages delivered."),
    messagesDropped: registry.counter(
      "imgate_messages_dropped_total",
      "Inbound messages dropped, by reason.",
    ),
    agentErrors: registry.counter("imgate_agent_errors_total", "Agent backend failures, by code."),
    agentTurnsGivenUp: registry.counter(
      "imgate_agent_turns_given_up_total",
      "Agent turns given up after failures (retry window over, or a non-retryable error), by reason.",
    ),
    agentTurnRetries: registry.counter(
      "imgate_agent_turn_retries_total",
      "Agent turns scheduled for another attempt after a retryable failure.",
    ),
    agentLatency: registry.histogram(
      "imgate_agent_latency_seconds",
      "Time from handing a turn to the agent backend until its reply.",
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    ),
    restarts: registry.counter("imgate_transport_restarts_total", "imsg transport restarts."),
    outboundHolds: registry.counter(
      "imgate_outbound_holds_total",
      "Times outbound messages were held in the outbox, by reason (paused, max-per-day, min-send-interval, new-contacts-per-hour, new-contacts-per-day).",
    ),
    replyStorms: registry.counter(
      "imgate_reply_storms_total",
      "Reply storms: a chat driving more agent turns per minute than messages.stormTurnsPerMinute.",
    ),
    deafStreams: registry.counter(
      "imgate_deaf_streams_total",
      "imsg watches found deaf (rows not delivered for longer than deafStreamMs) and resubscribed.",
    ),
  };
}

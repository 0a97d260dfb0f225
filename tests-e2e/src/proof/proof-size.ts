/**
 * Sizes of the proof suites. The default run keeps them small enough for a 2-core machine; `IMGATE_PROOF=long`
 * (see `tests-e2e/scripts/proof-long.sh`) makes the same suites use the full sizes.
 */

/** Which sizes the proof suites use. */
export type ProofMode = "default" | "long";

/** The sizes of one run of every proof suite. */
export interface ProofSizes {
  mode: ProofMode;
  chaos: {
    /** Inbound messages injected into the stand-in's chat.db. */
    messages: number;
    /** Conversations they are spread over (DMs and groups). */
    chats: number;
    /** imsg is SIGKILLed about every this many inbound-message notifications (seeded jitter ±20 %). */
    imsgKillEvery: number;
    /** Times the gateway itself is SIGKILLed, at seeded random moments. */
    gatewayKills: number;
    /** Messages of the smaller 0.9-mode run (no tracked sends: duplicates are reported). */
    messages09: number;
    /** imsg kill interval of the 0.9-mode run. */
    imsgKillEvery09: number;
  };
  fuzz: {
    /** Random and mutated lines the fuzzing peer writes between valid ones. */
    lines: number;
    /** Size of the one oversized line. */
    oversizedBytes: number;
    /** Real messages injected while the fuzz runs (each must be answered once). */
    realMessages: number;
    /** The fuzz is spread over about this many milliseconds. */
    spreadMs: number;
  };
  security: {
    /** Wrong pairing codes in total (control API and CLI). */
    wrongCodes: number;
    /** Of those, how many go through separate `imgate pairing approve` processes. */
    cliCodes: number;
  };
  /** Per-suite deadline for one test, in milliseconds. */
  timeoutMs: number;
}

/** Reads `IMGATE_PROOF` (`long` → full sizes; anything else → the default run's sizes). */
export function proofSizes(env: NodeJS.ProcessEnv = process.env): ProofSizes {
  if (env.IMGATE_PROOF === "long") {
    return {
      mode: "long",
      chaos: {
        messages: 10_000,
        chats: 50,
        imsgKillEvery: 500,
        gatewayKills: 3,
        messages09: 2_000,
        imsgKillEvery09: 500,
      },
      fuzz: { lines: 100_000, oversizedBytes: 64 * 1024 * 1024, realMessages: 200, spreadMs: 30_000 },
      security: { wrongCodes: 1_000, cliCodes: 100 },
      timeoutMs: 60 * 60_000,
    };
  }
  return {
    mode: "default",
    chaos: {
      messages: 400,
      chats: 10,
      imsgKillEvery: 100,
      gatewayKills: 1,
      messages09: 100,
      imsgKillEvery09: 50,
    },
    fuzz: { lines: 5_000, oversizedBytes: 64 * 1024 * 1024, realMessages: 20, spreadMs: 3_000 },
    security: { wrongCodes: 1_000, cliCodes: 10 },
    timeoutMs: 120_000,
  };
}

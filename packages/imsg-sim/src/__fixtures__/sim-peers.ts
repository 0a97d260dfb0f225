import { afterEach, beforeEach } from "vitest";
import { makeSimDir, RpcPeer, type SimDir } from "./rpc-peer.ts";

/** What {@link useSimPeers} gives a test file. */
export interface SimPeers {
  /** This test's temp dir and chat.db (a fresh one per test). */
  readonly sim: SimDir;
  /** Starts `imsg rpc` in `compat` mode against this test's chat.db; killed after the test. */
  start(compat: "0.9" | "0.15", env?: Record<string, string>): RpcPeer;
  /** Kills `peer` (started some other way) after the test, too. */
  track(peer: RpcPeer): RpcPeer;
}

/**
 * Registers `beforeEach`/`afterEach` hooks: a fresh {@link SimDir} per test (then `seed`, if given), and every
 * peer started through `start` killed and the dir removed afterwards. Call once at a test file's top level.
 */
export function useSimPeers(seed?: (sim: SimDir) => void): SimPeers {
  let sim: SimDir | undefined;
  const peers: RpcPeer[] = [];
  beforeEach(() => {
    sim = makeSimDir();
    seed?.(sim);
  });
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.kill();
    sim?.cleanup();
  });
  const current = (): SimDir => {
    if (sim === undefined) throw new Error("useSimPeers: the sim dir exists only inside a test");
    return sim;
  };
  return {
    get sim() {
      return current();
    },
    start(compat, env = {}) {
      const dir = current();
      const peer = RpcPeer.rpc(dir.db, compat, env, dir.dir);
      peers.push(peer);
      return peer;
    },
    track(peer) {
      peers.push(peer);
      return peer;
    },
  };
}

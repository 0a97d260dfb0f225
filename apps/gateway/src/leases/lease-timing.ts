/**
 * How long account leases last and how often they are renewed (issue 16): a standby must take an account over
 * within {@link MAX_TAKEOVER_MS} after its holder died, and it may take ttl (the dead holder's last renewal runs
 * out) plus one retry interval (the standby's next try) to do so.
 */

/** Default of `gateway.leases.ttlMs`: a standby takes over within 20 s. */
export const DEFAULT_LEASE_TTL_MS = 15_000;

/** The longest an account may stay unserved after its holder died (kill -9, host gone): issue 16's 30 s. */
export const MAX_TAKEOVER_MS = 30_000;

/**
 * The shortest lease: renewed every second. Shorter leases are lost on an ordinary database hiccup or GC pause,
 * and a holder that cannot renew in time stops serving.
 */
export const MIN_LEASE_TTL_MS = 3_000;

/** The longest lease that keeps {@link worstTakeoverMs} within {@link MAX_TAKEOVER_MS}: 22 500 ms. */
export const MAX_LEASE_TTL_MS = Math.floor((MAX_TAKEOVER_MS * 3) / 4);

/** How often a holder renews its leases and a standby tries to take a lease someone else holds: ttl/3. */
export function leaseRenewIntervalMs(ttlMs: number): number {
  return Math.floor(ttlMs / 3);
}

/** The longest a standby needs to take over after the holder's last renewal: ttl + ttl/3. */
export function worstTakeoverMs(ttlMs: number): number {
  return ttlMs + leaseRenewIntervalMs(ttlMs);
}

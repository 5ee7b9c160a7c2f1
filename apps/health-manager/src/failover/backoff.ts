/**
 * Delay before failover attempt n+1 after n failed attempts: initial × 2^(n−1), capped at max.
 * The same formula is evaluated in SQL when a FAILED flow is settled (stale-scanner.ts).
 */
export function retryDelayMs(failedAttempts: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(failedAttempts - 1, 0));
}

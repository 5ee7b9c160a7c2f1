/**
 * Heartbeat payload shapes (see heartbeat.md §3). Version 3 is what our agent sends; the
 * receiver also has to accept the older layouts, so the decoded type is deliberately loose.
 */

/** Listener status as HAProxy reports it; anything other than OPEN/FULL is logged by the HM. */
export type HeartbeatListenerStatus = 'OPEN' | 'FULL' | (string & {});

/** Pool status from the BACKEND row (or LVS health). */
export type HeartbeatPoolStatus = 'UP' | 'DOWN' | (string & {});

/**
 * Member status vocabulary. HAProxy also emits transitional forms such as `UP 1/3` or
 * `DOWN 1/2`, which the HM matches by prefix, hence the open string.
 */
export type HeartbeatMemberStatus =
  | 'UP'
  | 'DOWN'
  | 'DRAIN'
  | 'MAINT'
  | 'no check'
  | 'RESTARTING'
  | (string & {});

export interface HeartbeatListenerStats {
  /** bytes out; delta since the previous heartbeat in version 3 */
  tx: number;
  /** bytes in; delta in version 3 */
  rx: number;
  /** current sessions; always absolute */
  conns: number;
  /** cumulative sessions; delta in version 3 */
  totconns: number;
  /** request errors; delta in version 3 */
  ereq: number;
}

export interface HeartbeatListener {
  status: HeartbeatListenerStatus;
  stats: HeartbeatListenerStats;
}

export interface HeartbeatPool {
  status: HeartbeatPoolStatus;
  /** member UUID → status */
  members: Record<string, HeartbeatMemberStatus>;
}

/** The message our agent emits. Keys are declared in upstream's send order. */
export interface HeartbeatPayloadV3 {
  id: string;
  seq: number;
  /** listener UUID → listener */
  listeners: Record<string, HeartbeatListener>;
  /** `"<pool_id>:<listener_id>"` (HAProxy) or `"<pool_id>"` (LVS) → pool */
  pools: Record<string, HeartbeatPool>;
  ver: 3;
}

/** Version ≤ 1 nests pools inside each listener. */
export interface HeartbeatLegacyListener {
  status: HeartbeatListenerStatus;
  stats?: Partial<HeartbeatListenerStats>;
  pools?: Record<string, HeartbeatPool>;
}

/**
 * Whatever an authenticated packet decoded to: a JSON object with at least a string `id`.
 * Every other field is optional because versions 0–3 differ (heartbeat.md §3.1).
 */
export interface HeartbeatMessage {
  id: string;
  seq?: number;
  ver?: number;
  listeners?: Record<string, HeartbeatListener | HeartbeatLegacyListener>;
  pools?: Record<string, HeartbeatPool>;
  [key: string]: unknown;
}

export function isHeartbeatV3(message: HeartbeatMessage): message is HeartbeatMessage & HeartbeatPayloadV3 {
  return message.ver === 3 && typeof message.listeners === 'object' && typeof message.pools === 'object';
}

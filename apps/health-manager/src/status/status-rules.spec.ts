import { HeartbeatMessage } from '../../../../libs/heartbeat/src';
import {
  applyChanges,
  decideStatuses,
  diffStatuses,
  expectedListenerCount,
  listenerCountMatches,
  LoadBalancerSnapshot,
  memberStatusFor,
  normalizePoolKeys,
} from './status-rules';

const LB = 'lb-1';
const L1 = 'listener-1';
const L2 = 'listener-2';
const P1 = 'pool-1';
const P2 = 'pool-2';
const M1 = 'member-1';
const M2 = 'member-2';
const M3 = 'member-3';

function lb(over: Partial<LoadBalancerSnapshot> = {}): LoadBalancerSnapshot {
  return {
    id: LB,
    provisioningStatus: 'ACTIVE',
    operatingStatus: 'ONLINE',
    enabled: true,
    listeners: [{ id: L1, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P1 }],
    pools: [
      {
        id: P1,
        operatingStatus: 'ONLINE',
        members: [
          { id: M1, operatingStatus: 'ONLINE', enabled: true },
          { id: M2, operatingStatus: 'ONLINE', enabled: true },
        ],
      },
    ],
    ...over,
  };
}

function v3(listenerStatus: string | null, pool: { status: string; members: Record<string, string> } | null, extra: Partial<HeartbeatMessage> = {}): HeartbeatMessage {
  return {
    id: 'amp',
    seq: 1,
    listeners: listenerStatus === null ? {} : { [L1]: { status: listenerStatus, stats: { tx: 0, rx: 0, conns: 0, totconns: 0, ereq: 0 } } },
    pools: pool === null ? {} : { [`${P1}:${L1}`]: pool },
    ver: 3,
    ...extra,
  };
}

describe('status rules — members', () => {
  it.each([
    ['UP', 'ONLINE'],
    ['UP 1/3', 'ONLINE'],
    ['DOWN', 'ERROR'],
    ['DOWN 1/2', 'ERROR'],
    ['DRAIN', 'DRAINING'],
    ['MAINT', 'OFFLINE'],
    ['no check', 'NO_MONITOR'],
  ])('member reported %s → %s', (reported, expected) => {
    expect(memberStatusFor(reported, 'ONLINE')).toBe(expected);
    const d = decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: reported, [M2]: 'UP' } }));
    expect(d.members.get(M1)).toBe(expected);
  });

  it('RESTARTING keeps the previous status (no decision)', () => {
    expect(memberStatusFor('RESTARTING', 'ERROR')).toBeNull();
    const d = decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'RESTARTING', [M2]: 'UP' } }));
    expect(d.members.has(M1)).toBe(false);
    expect(d.warnings).toEqual([]);
  });

  it('an unknown member status is a warning and leaves the member unchanged', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'BOGUS', [M2]: 'UP' } }));
    expect(d.members.has(M1)).toBe(false);
    expect(d.warnings).toEqual([{ kind: 'member_status', memberId: M1, poolId: P1, status: 'BOGUS' }]);
    expect(memberStatusFor(42, 'ONLINE')).toBe('warn');
    expect(memberStatusFor('up', 'ONLINE')).toBe('warn'); // prefixes are case-sensitive upstream
  });

  it('a member absent from the heartbeat goes OFFLINE unless its database status is NO_MONITOR', () => {
    const snapshot = lb();
    snapshot.pools[0].members.push({ id: M3, operatingStatus: 'NO_MONITOR', enabled: true });
    const d = decideStatuses(snapshot, v3('OPEN', { status: 'UP', members: { [M1]: 'UP' } }));
    expect(d.members.get(M2)).toBe('OFFLINE');
    expect(d.members.has(M3)).toBe(false);
    expect(memberStatusFor(undefined, 'no_monitor')).toBeNull();
  });

  it('a DOWN member degrades an UP pool and an ONLINE load balancer', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'DOWN', [M2]: 'UP' } }));
    expect(d.members.get(M1)).toBe('ERROR');
    expect(d.pools.get(P1)).toBe('DEGRADED');
    expect(d.loadBalancer).toBe('DEGRADED');
  });

  it('a DOWN member does not lift an ERROR pool back to DEGRADED', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'DOWN', members: { [M1]: 'DOWN', [M2]: 'DOWN' } }));
    expect(d.pools.get(P1)).toBe('ERROR');
    expect(d.loadBalancer).toBe('ERROR');
  });

  it('members of an unknown-status pool are still evaluated', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'MAYBE', members: { [M1]: 'DOWN', [M2]: 'UP' } }));
    expect(d.pools.has(P1)).toBe(false);
    expect(d.members.get(M1)).toBe('ERROR');
    expect(d.loadBalancer).toBe('DEGRADED');
    expect(d.warnings).toContainEqual({ kind: 'pool_status', poolId: P1, status: 'MAYBE' });
  });
});

describe('status rules — pools', () => {
  it('UP → ONLINE with all members up', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP' } }));
    expect(d.pools.get(P1)).toBe('ONLINE');
    expect(d.loadBalancer).toBe('ONLINE');
  });

  it('DOWN → ERROR and the load balancer ERROR', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'DOWN', members: { [M1]: 'DOWN', [M2]: 'DOWN' } }));
    expect(d.pools.get(P1)).toBe('ERROR');
    expect(d.loadBalancer).toBe('ERROR');
  });

  it('a pool absent from the heartbeat goes OFFLINE and its members are not touched', () => {
    const d = decideStatuses(lb(), v3('OPEN', null));
    expect(d.pools.get(P1)).toBe('OFFLINE');
    expect(d.members.size).toBe(0);
    expect(d.loadBalancer).toBe('ONLINE');
  });

  it('pool keys are cut at the last colon; a bare pool id (LVS) works too', () => {
    expect([...normalizePoolKeys({ 'a:b:c': { status: 'UP', members: {} }, d: { status: 'DOWN', members: {} } }).keys()]).toEqual(['a:b', 'd']);
    const d = decideStatuses(lb(), { id: 'amp', ver: 3, listeners: { [L1]: { status: 'OPEN', stats: {} } }, pools: { [P1]: { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP' } } } });
    expect(d.pools.get(P1)).toBe('ONLINE');
  });

  it('a pool reported under two listeners is evaluated once (first key wins)', () => {
    const d = decideStatuses(lb(), {
      id: 'amp',
      ver: 3,
      listeners: { [L1]: { status: 'OPEN', stats: {} } },
      pools: { [`${P1}:${L1}`]: { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP' } }, [`${P1}:${L2}`]: { status: 'DOWN', members: {} } },
    });
    expect(d.pools.get(P1)).toBe('ONLINE');
    expect(d.loadBalancer).toBe('ONLINE');
  });

  it('an unknown pool status is a warning and leaves the pool unchanged', () => {
    const d = decideStatuses(lb(), v3('OPEN', { status: 'no idea', members: { [M1]: 'UP', [M2]: 'UP' } }));
    expect(d.pools.has(P1)).toBe(false);
    expect(d.warnings).toEqual([{ kind: 'pool_status', poolId: P1, status: 'no idea' }]);
  });

  it('version 1 reads pools nested in each listener; pools seen on any listener are not OFFLINE', () => {
    const snapshot = lb({
      listeners: [
        { id: L1, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P1 },
        { id: L2, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P2 },
      ],
      pools: [
        { id: P1, operatingStatus: 'ONLINE', members: [{ id: M1, operatingStatus: 'ONLINE', enabled: true }] },
        { id: P2, operatingStatus: 'ONLINE', members: [{ id: M2, operatingStatus: 'ONLINE', enabled: true }] },
      ],
    });
    const d = decideStatuses(snapshot, {
      id: 'amp',
      ver: 1,
      listeners: {
        [L1]: { status: 'OPEN', pools: { [P1]: { status: 'UP', members: { [M1]: 'UP' } } } },
        [L2]: { status: 'OPEN', pools: { [P2]: { status: 'DOWN', members: { [M2]: 'DOWN' } } } },
      },
    });
    expect(d.pools.get(P1)).toBe('ONLINE');
    expect(d.pools.get(P2)).toBe('ERROR');
    expect(d.members.get(M2)).toBe('ERROR');
    expect(d.loadBalancer).toBe('ERROR');
  });

  it('version 2+ ignores pools nested in listeners', () => {
    const d = decideStatuses(lb(), {
      id: 'amp',
      ver: 2,
      listeners: { [L1]: { status: 'OPEN', pools: { [P1]: { status: 'UP', members: {} } } } },
      pools: {},
    });
    expect(d.pools.get(P1)).toBe('OFFLINE');
  });
});

describe('status rules — listeners', () => {
  it('OPEN → ONLINE', () => {
    expect(decideStatuses(lb(), v3('OPEN', null)).listeners.get(L1)).toBe('ONLINE');
  });

  it('FULL → DEGRADED and degrades an ONLINE load balancer', () => {
    const d = decideStatuses(lb(), v3('FULL', { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP' } }));
    expect(d.listeners.get(L1)).toBe('DEGRADED');
    expect(d.loadBalancer).toBe('DEGRADED');
  });

  it('another status (e.g. STOP) is a warning and leaves the listener unchanged', () => {
    const d = decideStatuses(lb(), v3('STOP', null));
    expect(d.listeners.has(L1)).toBe(false);
    expect(d.warnings).toContainEqual({ kind: 'listener_status', listenerId: L1, status: 'STOP' });
  });

  it('absent, enabled, LB ACTIVE → ERROR, without lowering the load balancer', () => {
    const d = decideStatuses(lb(), v3(null, null));
    expect(d.listeners.get(L1)).toBe('ERROR');
    expect(d.loadBalancer).toBe('ONLINE');
  });

  it('absent and disabled → OFFLINE', () => {
    const snapshot = lb({ listeners: [{ id: L1, enabled: false, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P1 }] });
    expect(decideStatuses(snapshot, v3(null, null)).listeners.get(L1)).toBe('OFFLINE');
  });

  it.each(['PENDING_UPDATE', 'ERROR', 'PENDING_CREATE'])('absent while the LB is %s → OFFLINE', (prov) => {
    expect(decideStatuses(lb({ provisioningStatus: prov }), v3(null, null)).listeners.get(L1)).toBe('OFFLINE');
  });
});

describe('status rules — load balancer', () => {
  it('a disabled load balancer is seeded OFFLINE; FULL does not degrade it but a DOWN pool makes it ERROR', () => {
    expect(decideStatuses(lb({ enabled: false }), v3('FULL', null)).loadBalancer).toBe('OFFLINE');
    expect(decideStatuses(lb({ enabled: false }), v3('OPEN', { status: 'DOWN', members: {} })).loadBalancer).toBe('ERROR');
  });

  it('ERROR wins over DEGRADED whatever the order', () => {
    const snapshot = lb({
      listeners: [
        { id: L1, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P1 },
        { id: L2, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: P2 },
      ],
      pools: [
        { id: P1, operatingStatus: 'ONLINE', members: [] },
        { id: P2, operatingStatus: 'ONLINE', members: [] },
      ],
    });
    const d = decideStatuses(snapshot, {
      id: 'amp',
      ver: 3,
      listeners: { [L1]: { status: 'FULL', stats: {} }, [L2]: { status: 'OPEN', stats: {} } },
      pools: { [`${P1}:${L1}`]: { status: 'DOWN', members: {} }, [`${P2}:${L2}`]: { status: 'UP', members: {} } },
    });
    expect(d.loadBalancer).toBe('ERROR');
  });

  it('statuses are still decided while the load balancer is PENDING_UPDATE', () => {
    const d = decideStatuses(lb({ provisioningStatus: 'PENDING_UPDATE' }), v3('OPEN', { status: 'UP', members: { [M1]: 'DOWN', [M2]: 'UP' } }));
    expect(d.members.get(M1)).toBe('ERROR');
    expect(d.loadBalancer).toBe('DEGRADED');
  });
});

describe('listener-count rule', () => {
  it('expects every enabled listener of an ACTIVE, enabled LB', () => {
    const snapshot = lb({
      listeners: [
        { id: L1, enabled: true, protocol: 'HTTP', operatingStatus: 'ONLINE', defaultPoolId: null },
        { id: L2, enabled: false, protocol: 'TCP', operatingStatus: 'OFFLINE', defaultPoolId: null },
      ],
    });
    expect(expectedListenerCount(snapshot, v3('OPEN', null))).toBe(1);
    expect(listenerCountMatches(snapshot, v3('OPEN', null))).toBe(true);
    expect(listenerCountMatches(snapshot, v3(null, null))).toBe(false);
  });

  it('is skipped for a PENDING_* or disabled load balancer', () => {
    expect(expectedListenerCount(lb({ provisioningStatus: 'PENDING_UPDATE' }), v3(null, null))).toBeNull();
    expect(listenerCountMatches(lb({ enabled: false }), v3(null, null))).toBe(true);
  });

  it('an ERROR load balancer still checks the count', () => {
    expect(listenerCountMatches(lb({ provisioningStatus: 'ERROR' }), v3(null, null))).toBe(false);
  });

  it('a message without a listeners map never matches', () => {
    expect(listenerCountMatches(lb(), { id: 'amp', ver: 3 })).toBe(false);
  });

  it('version-less messages do not count UDP listeners without an enabled member', () => {
    const snapshot = lb({
      listeners: [
        { id: L1, enabled: true, protocol: 'UDP', operatingStatus: 'ONLINE', defaultPoolId: P1 },
        { id: L2, enabled: true, protocol: 'UDP', operatingStatus: 'ONLINE', defaultPoolId: P2 },
      ],
      pools: [
        { id: P1, operatingStatus: 'ONLINE', members: [{ id: M1, operatingStatus: 'ONLINE', enabled: false }] },
        { id: P2, operatingStatus: 'ONLINE', members: [{ id: M2, operatingStatus: 'ONLINE', enabled: true }] },
      ],
    });
    expect(expectedListenerCount(snapshot, { id: 'amp', listeners: {} })).toBe(1);
    expect(expectedListenerCount(snapshot, { id: 'amp', ver: 1, listeners: {} })).toBe(2);
  });
});

describe('diff and apply', () => {
  it('reports only differences, case-insensitively, and the LB last', () => {
    const snapshot = lb({ operatingStatus: 'online' });
    snapshot.pools[0].members[1].operatingStatus = 'error';
    const d = decideStatuses(snapshot, v3('OPEN', { status: 'UP', members: { [M1]: 'UP', [M2]: 'DOWN' } }));
    const changes = diffStatuses(snapshot, d);
    expect(changes).toEqual({ loadBalancer: 'DEGRADED', listeners: [], pools: [[P1, 'DEGRADED']], members: [] });
    applyChanges(snapshot, changes);
    expect(snapshot.operatingStatus).toBe('DEGRADED');
    expect(snapshot.pools[0].operatingStatus).toBe('DEGRADED');
    expect(diffStatuses(snapshot, decideStatuses(snapshot, v3('OPEN', { status: 'UP', members: { [M1]: 'UP', [M2]: 'DOWN' } })))).toEqual({
      loadBalancer: null,
      listeners: [],
      pools: [],
      members: [],
    });
  });
});

describe('outdated snapshot detection', () => {
  it('flags listeners or members the snapshot does not know', () => {
    expect(decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP' } })).unknownObjects).toBe(false);
    expect(decideStatuses(lb(), v3('OPEN', { status: 'UP', members: { [M1]: 'UP', [M2]: 'UP', [M3]: 'UP' } })).unknownObjects).toBe(true);
    const two = v3('OPEN', null);
    two.listeners![L2] = { status: 'OPEN', stats: { tx: 0, rx: 0, conns: 0, totconns: 0, ereq: 0 } };
    expect(decideStatuses(lb(), two).unknownObjects).toBe(true);
  });
});

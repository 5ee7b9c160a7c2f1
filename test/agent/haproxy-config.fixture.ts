/** Hand-written HAProxy configs in the shape the controller renders (one LB, one listener). */

export interface MemberSpec {
  id: string;
  address: string;
  port: number;
  /** Extra server options, e.g. `check inter 200ms fall 2 rise 1`, `weight 0`, `disabled`. */
  options: string;
}

export function renderLoadBalancer(opts: {
  statePath: string;
  lbId: string;
  listenerId: string;
  poolId: string;
  vip: string;
  port: number;
  members: MemberSpec[];
  /** The renderer's bound on old workers; omitted to exercise the agent's own bound. */
  hardStopAfter?: string;
}): string {
  const backend = `${opts.poolId}:${opts.listenerId}`;
  return [
    `# Configuration for loadbalancer ${opts.lbId}`,
    'global',
    '    daemon',
    '    user nobody',
    '    group nogroup',
    `    stats socket ${opts.statePath}/${opts.lbId}.sock mode 0666 level user`,
    '    maxconn 50000',
    ...(opts.hardStopAfter ? [`    hard-stop-after ${opts.hardStopAfter}`] : []),
    '',
    'defaults',
    '    retries 3',
    '    option redispatch',
    '    timeout connect 2000',
    '    timeout client 10000',
    '    timeout server 10000',
    '',
    `frontend ${opts.listenerId}`,
    '    maxconn 50000',
    `    bind ${opts.vip}:${opts.port}`,
    '    mode http',
    `    default_backend ${backend}`,
    '',
    `backend ${backend}`,
    '    mode http',
    '    balance roundrobin',
    '    timeout check 1s',
    '    option httpchk GET /',
    '    fullconn 50000',
    '    option allbackups',
    ...opts.members.map((m) => `    server ${m.id} ${m.address}:${m.port} ${m.options}`.trimEnd()),
    '',
  ].join('\n');
}

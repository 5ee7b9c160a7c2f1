import { parseLvsConfig, withoutNetNamespace } from './lvs-config';
import { lvsListenerCounters, lvsPoolStatus, parseIpvsadm, servicesFor } from './lvs-status';

const LISTENER = '22222222-2222-4222-8222-222222222222';
const POOL = '33333333-3333-4333-8333-333333333333';
const M1 = '55555555-5555-4555-8555-555555555551';
const M2 = '55555555-5555-4555-8555-555555555552';
const M3 = '55555555-5555-4555-8555-555555555553';
const M4 = '55555555-5555-4555-8555-555555555554';

const CONF = `# Configuration for Loadbalancer 11111111-1111-4111-8111-111111111111
# Configuration for Listener ${LISTENER}

net_namespace amphora-haproxy

virtual_server_group ipv4-group {
    10.0.0.5 53
}

virtual_server group ipv4-group {
    lb_algo wrr
    lb_kind NAT
    protocol UDP
    delay_loop 5

    # Configuration for Pool ${POOL}
    # Configuration for HealthMonitor 44444444-4444-4444-8444-444444444444
    # Configuration for Member ${M1}
    real_server 192.0.2.11 53 {
        weight 1
        MISC_CHECK {
            misc_path "/var/lib/octavia/lvs/check/udp_check.sh 192.0.2.11 53"
            misc_timeout 5
        }
    }
    # Configuration for Member ${M2}
    real_server 192.0.2.12 53 {
        weight 0
    }
    # Configuration for Member ${M3}
    real_server 192.0.2.13 53 {
        weight 1
    }
    # Member ${M4} is disabled
}
`;

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
UDP  10.0.0.5:53 wrr
  -> 192.0.2.11:53                Masq    1      2          0
  -> 192.0.2.12:53                Masq    0      1          0
UDP  10.0.0.9:53 wrr
  -> 192.0.2.99:53                Masq    1      7          0
`;

const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
UDP  10.0.0.5:53                        12       40       38     3200     6400
  -> 192.0.2.11:53                      10       30       28     2400     4800
  -> 192.0.2.12:53                       2       10       10      800     1600
UDP  10.0.0.9:53                        99        1        1        1        1
`;

describe('LVS listener status', () => {
  it('reads the contract comments back from the config', () => {
    const c = parseLvsConfig(CONF);
    expect(c.listenerId).toBe(LISTENER);
    expect(c.poolId).toBe(POOL);
    expect(c.healthMonitor).toBe(true);
    expect(c.namespace).toBe('amphora-haproxy');
    expect(c.vips).toEqual([{ address: '10.0.0.5', port: 53 }]);
    expect(c.members).toEqual([
      { id: M1, enabled: true, address: '192.0.2.11', port: 53 },
      { id: M2, enabled: true, address: '192.0.2.12', port: 53 },
      { id: M3, enabled: true, address: '192.0.2.13', port: 53 },
      { id: M4, enabled: false },
    ]);
    expect(withoutNetNamespace(CONF)).not.toContain('net_namespace');
  });

  it('combines ipvsadm listings into per-listener counters', () => {
    const services = servicesFor(parseLvsConfig(CONF), parseIpvsadm(LIST, STATS));
    expect(services).toHaveLength(1);
    expect(lvsListenerCounters(services)).toEqual({ conns: 3, totconns: 12, rx: 3200, tx: 6400, ereq: 0 });
  });

  it('derives member statuses: UP, DRAIN, DOWN (or RESTARTING), MAINT', () => {
    const config = parseLvsConfig(CONF);
    const services = servicesFor(config, parseIpvsadm(LIST, STATS));
    expect(lvsPoolStatus(config, services, false)).toEqual({
      status: 'UP',
      members: { [M1]: 'UP', [M2]: 'DRAIN', [M3]: 'DOWN', [M4]: 'MAINT' },
    });
    expect(lvsPoolStatus(config, services, true).members[M3]).toBe('RESTARTING');
  });

  it('marks the pool DOWN when a monitored pool has no live member, and "no check" without a monitor', () => {
    const config = parseLvsConfig(CONF);
    expect(lvsPoolStatus(config, [], false).status).toBe('DOWN');
    const unmonitored = parseLvsConfig(CONF.replace(/# Configuration for HealthMonitor.*\n/, '').replace(/MISC_CHECK/, 'X_CHECK'));
    const services = servicesFor(unmonitored, parseIpvsadm(LIST, STATS));
    expect(lvsPoolStatus(unmonitored, services, false)).toMatchObject({ status: 'UP', members: { [M1]: 'no check' } });
  });
});

import { planCommands, planNetworkInterface, planVipInterface, ruleArgs, validateNetworkBody } from './interface-plan';
import { renderNftables, validateRules } from './nftables-rules';

const VIP_BODY = {
  subnet_cidr: '10.0.0.0/24',
  gateway: '10.0.0.1',
  mac_address: 'FA:16:3E:AA:BB:CC',
  vrrp_ip: '10.0.0.15',
  mtu: 1450,
  host_routes: [{ nexthop: '10.0.0.254', destination: '192.168.0.0/16' }],
};

describe('planVipInterface', () => {
  it('SINGLE: owns the VIP, routes it through policy table 1', () => {
    const r = planVipInterface('10.0.0.5', VIP_BODY, 'SINGLE');
    if (!r.ok) throw new Error('rejected');
    expect(r.vips).toEqual(['10.0.0.5']);
    expect(r.plan.mac).toBe('fa:16:3e:aa:bb:cc');
    expect(r.plan.addresses).toEqual([
      { address: '10.0.0.15', prefixlen: 24, family: 4 },
      { address: '10.0.0.5', prefixlen: 32, family: 4 },
    ]);
    expect(planCommands(r.plan).map((c) => c.argv.join(' '))).toEqual([
      'link set dev eth1 mtu 1450',
      'link set dev eth1 up',
      'addr replace 10.0.0.15/24 dev eth1',
      'addr replace 10.0.0.5/32 dev eth1',
      '-4 route add default via 10.0.0.1 dev eth1 onlink',
      '-4 route replace 192.168.0.0/16 via 10.0.0.254 dev eth1 onlink',
      '-4 route replace 10.0.0.0/24 dev eth1 scope link src 10.0.0.5 table 1',
      '-4 route replace default via 10.0.0.1 dev eth1 onlink table 1',
      '-4 route replace 192.168.0.0/16 via 10.0.0.254 dev eth1 onlink table 1',
    ]);
    expect(planCommands(r.plan).filter((c) => c.mayExist)).toHaveLength(1);
    expect(r.plan.rules.map(ruleArgs)).toEqual([['-4', 'rule', 'add', 'from', '10.0.0.5/32', 'table', '1', 'priority', '100']]);
  });

  it('ACTIVE_STANDBY: leaves the VIP and table 1 to keepalived', () => {
    const r = planVipInterface('10.0.0.5', VIP_BODY, 'ACTIVE_STANDBY');
    if (!r.ok) throw new Error('rejected');
    expect(r.plan.addresses.map((a) => a.address)).toEqual(['10.0.0.15']);
    expect(r.plan.rules).toEqual([]);
    expect(r.plan.routes.every((x) => x.table === undefined)).toBe(true);
  });

  it('handles additional IPv6 VIPs and a null gateway', () => {
    const r = planVipInterface(
      '10.0.0.5',
      {
        ...VIP_BODY,
        gateway: null,
        host_routes: [],
        additional_vips: [{ ip_address: '2001:DB8::5', subnet_cidr: '2001:db8::/64', gateway: '2001:db8::1', host_routes: [] }],
      },
      'SINGLE',
    );
    if (!r.ok) throw new Error('rejected');
    expect(r.vips).toEqual(['10.0.0.5', '2001:db8::5']);
    const cmds = planCommands(r.plan).map((c) => c.argv.join(' '));
    expect(cmds).toContain('addr replace 2001:db8::5/128 dev eth1 nodad');
    expect(cmds).toContain('-6 route add default via 2001:db8::1 dev eth1 onlink');
    expect(cmds.some((c) => c.startsWith('-4 route add default'))).toBe(false);
  });

  it('rejects with upstream body shapes', () => {
    expect(planVipInterface('10.0.0.5', { mac_address: 'fa:16:3e:aa:bb:cc' }, 'SINGLE')).toEqual({
      ok: false,
      rejection: { shape: 'werkzeug', description: 'Invalid subnet information' },
    });
    const badVip = planVipInterface('10.0.0.500', VIP_BODY, 'SINGLE');
    expect(!badVip.ok && badVip.rejection).toMatchObject({ shape: 'message', message: expect.stringMatching(/^Invalid VIP: /) });
    const badVrrp = planVipInterface('10.0.0.5', { ...VIP_BODY, vrrp_ip: 'nope' }, 'SINGLE');
    expect(!badVrrp.ok && badVrrp.rejection).toMatchObject({ message: expect.stringMatching(/^Invalid VRRP Address: /) });
  });
});

describe('planNetworkInterface', () => {
  it('plans static member addresses and host routes without a default route', () => {
    const body = {
      mac_address: 'fa:16:3e:11:22:33',
      fixed_ips: [{ ip_address: '192.0.2.10', subnet_cidr: '192.0.2.0/24', host_routes: [{ destination: '198.51.100.0/24', nexthop: '192.0.2.1' }], gateway: '192.0.2.1' }],
      mtu: 1500,
    };
    expect(validateNetworkBody(body)).toEqual({ ok: true, mac: 'fa:16:3e:11:22:33' });
    const r = planNetworkInterface('eth2', body, 'SINGLE');
    if (!r.ok) throw new Error('rejected');
    expect(planCommands(r.plan).map((c) => c.argv.join(' '))).toEqual([
      'link set dev eth2 mtu 1500',
      'link set dev eth2 up',
      'addr replace 192.0.2.10/24 dev eth2',
      '-4 route replace 198.51.100.0/24 via 192.0.2.1 dev eth2 onlink',
    ]);
  });

  it('falls back to dynamic addressing without fixed IPs and plans the VRRP port like a VIP', () => {
    const dyn = planNetworkInterface('eth3', { mac_address: 'fa:16:3e:11:22:33' }, 'SINGLE');
    expect(dyn.ok && dyn.plan.dynamic).toBe(true);
    const vipLike = planNetworkInterface(
      'eth3',
      { mac_address: 'fa:16:3e:11:22:33', vip_net_info: { ...VIP_BODY, vip: '10.0.0.6' } },
      'SINGLE',
    );
    expect(vipLike.ok && vipLike.plan.ifType).toBe('vip');
    expect(vipLike.ok && vipLike.plan.name).toBe('eth3');
  });

  it('refuses bodies the upstream agent refuses', () => {
    expect(validateNetworkBody({})).toEqual({ ok: false, rejection: { shape: 'werkzeug', description: 'Invalid port information' } });
    expect(validateNetworkBody({ mac_address: 'fa:16:3e:11:22:33', fixed_ips: [{ ip_address: '1.2.3' }] })).toEqual({
      ok: false,
      rejection: { shape: 'message', message: 'Invalid network port' },
    });
  });
});

describe('nftables rules', () => {
  it('validates exactly the upstream schema', () => {
    expect(validateRules([{ protocol: 'TCP', cidr: '192.0.2.0/24', port: 80 }])).toHaveLength(1);
    expect(validateRules([{ protocol: 'TCP', cidr: null, port: 80, extra: 1 }])).toBeNull();
    expect(validateRules([{ protocol: 'ICMP', cidr: null, port: 80 }])).toBeNull();
    expect(validateRules([{ protocol: 'UDP', cidr: null, port: 0 }])).toBeNull();
    expect(validateRules({})).toBeNull();
  });

  it('renders an atomic replacement with one rule per item', () => {
    const text = renderNftables(
      [
        { protocol: 'TCP', cidr: '192.0.2.0/24', port: 443 },
        { protocol: 'UDP', cidr: '0.0.0.0/0', port: 53 },
        { protocol: 'SCTP', cidr: '2001:db8::/64', port: 9 },
        { protocol: 'VRRP', cidr: '10.0.0.7/32', port: 112 },
      ],
      'eth1',
    );
    expect(text.startsWith('table inet amphora_table {}\ndelete table inet amphora_table\n')).toBe(true);
    expect(text).toContain('        iifname eth1 goto amphora_vip_chain');
    expect(text).toContain('        ip saddr 192.0.2.0/24 tcp dport 443 accept');
    expect(text).toContain('        udp dport 53 accept');
    expect(text).toContain('        ip6 saddr 2001:db8::/64 sctp dport 9 accept');
    expect(text).toContain('        ip saddr 10.0.0.7/32 ip protocol 112 accept');
    expect(renderNftables([], 'eth1')).not.toContain('amphora_vip_chain');
  });
});

import { randomUUID } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { AddressInfo } from 'node:net';
import { decodeHeartbeat, HeartbeatDecodeError, HeartbeatMessage, HeartbeatPayloadV3 } from '../../libs/heartbeat/src';
import { AmphoraFixture, BackendHandle, startBackend } from './agent.fixture';
import { renderLoadBalancer } from './haproxy-config.fixture';
import { sh, TestNetwork } from './netns.fixture';

jest.setTimeout(60_000);

const VIP_MAC = 'fa:16:3e:bb:00:01';
const INTERVAL = 0.3;

interface Received {
  message: HeartbeatPayloadV3;
  socket: number;
  key: string;
  at: number;
}

/** The health manager's side: UDP sockets in the root namespace decoding with the codec. */
class HeartbeatListener {
  readonly received: Received[] = [];
  undecodable = 0;
  private readonly sockets: Socket[] = [];

  constructor(private readonly keys: string[]) {}

  async bind(host: string, count: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const socket = createSocket('udp4');
      socket.on('message', (packet) => this.onPacket(packet, i));
      await new Promise<void>((resolve) => socket.bind(0, host, resolve));
      this.sockets.push(socket);
      ports.push((socket.address() as AddressInfo).port);
    }
    return ports;
  }

  private onPacket(packet: Buffer, socket: number): void {
    for (const key of this.keys) {
      try {
        const message = decodeHeartbeat(packet, key) as HeartbeatMessage & HeartbeatPayloadV3;
        this.received.push({ message, socket, key, at: Date.now() });
        return;
      } catch (err) {
        if (!(err instanceof HeartbeatDecodeError)) throw err;
      }
    }
    this.undecodable++;
  }

  /** First heartbeat arriving after now that satisfies `predicate`. */
  async next(predicate: (m: HeartbeatPayloadV3) => boolean, timeoutMs = 8000): Promise<Received> {
    const from = this.received.length;
    const deadline = Date.now() + timeoutMs;
    let checked = from;
    while (Date.now() < deadline) {
      for (; checked < this.received.length; checked++) {
        if (predicate(this.received[checked].message)) return this.received[checked];
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const last = this.received[this.received.length - 1]?.message;
    throw new Error(`no matching heartbeat within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

describe('heartbeat sender (real HAProxy health checks in network namespaces)', () => {
  const net = new TestNetwork();
  const amp = new AmphoraFixture(net);
  const listener = new HeartbeatListener(['first-key', 'second-key']);
  const lbId = randomUUID();
  const listenerId = randomUUID();
  const poolId = randomUUID();
  const poolKey = `${poolId}:${listenerId}`;
  const m = { up: randomUUID(), down: randomUUID(), drain: randomUUID(), maint: randomUUID(), nocheck: randomUUID() };
  let be1Ns = '';
  let be2Ns = '';
  let be1: BackendHandle | null = null;
  let be2: BackendHandle | null = null;
  let ports: number[] = [];

  const members = (msg: HeartbeatPayloadV3) => msg.pools[poolKey]?.members ?? {};
  const statusIs = (expected: Record<string, string>) => (msg: HeartbeatPayloadV3) =>
    Object.entries(expected).every(([id, status]) => members(msg)[id] === status);

  beforeAll(async () => {
    await amp.createAmphoraNamespace();
    await net.addSwitch();
    be1Ns = await net.addNamespace('be1');
    be2Ns = await net.addNamespace('be2');
    await net.attach(amp.ampNs, 'data0', { mac: VIP_MAC });
    await net.attach(be1Ns, 'eth0', { address: `${net.dataIp(31)}/24` });
    await net.attach(be2Ns, 'eth0', { address: `${net.dataIp(32)}/24` });
    be1 = await startBackend(be1Ns, net.dataIp(31), 8080, 'be1');
    ports = await listener.bind(net.controllerIp, 2);
    await amp.startAgent(amp.renderConfig({ heartbeatPorts: ports, heartbeatKey: 'first-key', heartbeatInterval: INTERVAL }));

    const plug = await amp.request('POST', `/1.0/plug/vip/${net.dataIp(100)}`, {
      subnet_cidr: `${net.dataPrefix}.0/24`,
      gateway: null,
      mac_address: VIP_MAC,
      vrrp_ip: net.dataIp(10),
    });
    expect(plug.status).toBe(202);
    const check = 'check inter 200ms fall 1 rise 1';
    const cfg = renderLoadBalancer({
      statePath: amp.statePath,
      lbId,
      listenerId,
      poolId,
      vip: net.dataIp(100),
      port: 80,
      hardStopAfter: '5s',
      members: [
        { id: m.up, address: net.dataIp(31), port: 8080, options: `weight 1 ${check}` },
        { id: m.down, address: net.dataIp(32), port: 8081, options: `weight 1 ${check}` },
        { id: m.drain, address: net.dataIp(31), port: 8080, options: `weight 0 ${check}` },
        { id: m.maint, address: net.dataIp(31), port: 8080, options: `weight 1 ${check} disabled` },
        { id: m.nocheck, address: net.dataIp(31), port: 8080, options: 'weight 1' },
      ],
    });
    expect((await amp.request('PUT', `/1.0/loadbalancer/${amp.amphoraId}/${lbId}/haproxy`, cfg)).status).toBe(202);
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/reload`)).status).toBe(202);
  }, 60_000);

  afterAll(async () => {
    listener.close();
    await be1?.stop();
    await be2?.stop();
    await amp.destroy();
  }, 30_000);

  it('reports UP, DOWN, DRAIN, MAINT and "no check" members as HAProxy sees them', async () => {
    const { message } = await listener.next(
      statusIs({ [m.up]: 'UP', [m.down]: 'DOWN', [m.drain]: 'DRAIN', [m.maint]: 'MAINT', [m.nocheck]: 'no check' }),
    );
    expect(message.id).toBe(amp.amphoraId);
    expect(message.ver).toBe(3);
    expect(Object.keys(message.listeners)).toEqual([listenerId]);
    expect(message.listeners[listenerId].status).toBe('OPEN');
    expect(Object.keys(message.pools)).toEqual([poolKey]);
    expect(message.pools[poolKey].status).toBe('UP');
    expect(listener.undecodable).toBe(0);
  });

  it('follows members going down and coming up', async () => {
    await be1!.stop();
    be1 = null;
    be2 = await startBackend(be2Ns, net.dataIp(32), 8081, 'be2');
    await listener.next(statusIs({ [m.up]: 'DOWN', [m.down]: 'UP', [m.drain]: 'DOWN', [m.maint]: 'MAINT', [m.nocheck]: 'no check' }));
    be1 = await startBackend(be1Ns, net.dataIp(31), 8080, 'be1');
    await listener.next(statusIs({ [m.up]: 'UP', [m.down]: 'UP', [m.drain]: 'DRAIN', [m.maint]: 'MAINT' }));
  });

  it('sends each heartbeat to one health manager, round-robin, with increasing seq', async () => {
    const start = listener.received.length;
    await listener.next(() => listener.received.length >= start + 6);
    const window = listener.received.slice(start, start + 6);
    for (let i = 1; i < window.length; i++) {
      expect(window[i].message.seq).toBe(window[i - 1].message.seq + 1);
      expect(window[i].socket).not.toBe(window[i - 1].socket);
    }
    const gaps = window.slice(1).map((r, i) => r.at - window[i].at);
    expect(Math.min(...gaps)).toBeGreaterThan(INTERVAL * 1000 * 0.5);
  });

  it('reports traffic as deltas: totconns adds up to the requests made', async () => {
    const mark = listener.received[listener.received.length - 1].message.seq;
    for (let i = 0; i < 5; i++) {
      expect(await sh(['ip', 'netns', 'exec', be2Ns, 'curl', '-s', '-m', '3', `http://${net.dataIp(100)}/`])).toMatch(/^be[12]$/);
    }
    const sum = () =>
      listener.received
        .filter((r) => r.message.seq > mark)
        .reduce(
          (acc, r) => {
            const s = r.message.listeners[listenerId]?.stats;
            return { totconns: acc.totconns + (s?.totconns ?? 0), rx: acc.rx + (s?.rx ?? 0), tx: acc.tx + (s?.tx ?? 0) };
          },
          { totconns: 0, rx: 0, tx: 0 },
        );
    await listener.next(() => sum().totconns >= 5);
    const settled = listener.received.length;
    await listener.next(() => listener.received.length >= settled + 3);
    expect(sum().totconns).toBe(5);
    expect(sum().rx).toBeGreaterThan(0);
    expect(sum().tx).toBeGreaterThan(0);
    expect(listener.received[listener.received.length - 1].message.listeners[listenerId].stats.conns).toBe(0);
  });

  it('signs with the key from an uploaded configuration', async () => {
    const next = amp.renderConfig({ heartbeatPorts: ports, heartbeatKey: 'second-key', heartbeatInterval: INTERVAL });
    expect((await amp.request('PUT', '/1.0/config', next)).status).toBe(202);
    const first = listener.received.length;
    await listener.next(() => listener.received[listener.received.length - 1]?.key === 'second-key');
    const switched = listener.received.findIndex((r, i) => i >= first && r.key === 'second-key');
    await listener.next(() => listener.received.length >= switched + 3);
    expect(listener.received.slice(switched).every((r) => r.key === 'second-key')).toBe(true);
  });

  it('withholds heartbeats while a configured keepalived is not running', async () => {
    const vrrp = [
      'vrrp_script check_script {',
      `    script ${amp.statePath}/vrrp/check_script.sh`,
      '    interval 1',
      '    fall 2',
      '    rise 2',
      '}',
      '',
      `vrrp_instance ${lbId.replace(/-/g, '')} {`,
      '    interface eth1',
      '    virtual_router_id 1',
      '    priority 100',
      '    nopreempt',
      '    accept',
      '    advert_int 1',
      '    authentication {',
      '        auth_type PASS',
      '        auth_pass 1a2b3c4',
      '    }',
      `    unicast_src_ip ${net.dataIp(10)}`,
      '    unicast_peer {',
      `        ${net.dataIp(11)}`,
      '    }',
      '    virtual_ipaddress {',
      `        ${net.dataIp(101)}`,
      '    }',
      '    track_script {',
      '        check_script',
      '    }',
      '}',
      '',
    ].join('\n');
    expect((await amp.request('PUT', '/1.0/vrrp/upload', 'vrrp_instance broken {\n    interface\n}\n')).status).toBe(400);
    const uploaded = await amp.request('PUT', '/1.0/vrrp/upload', vrrp);
    expect(uploaded.text).toBe('{"message":"OK"}');
    const started = await amp.request('PUT', '/1.0/vrrp/start');
    expect(started.json()).toEqual({ message: 'OK', details: 'keepalived started' });
    await listener.next(() => true);

    expect((await amp.request('PUT', '/1.0/vrrp/stop')).status).toBe(202);
    await new Promise((r) => setTimeout(r, INTERVAL * 1000 * 2));
    const silentFrom = listener.received.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(listener.received.length).toBe(silentFrom);

    expect((await amp.request('PUT', '/1.0/vrrp/start')).status).toBe(202);
    await listener.next(() => true, 5000);
    // start on a running keepalived becomes a reload
    expect((await amp.request('PUT', '/1.0/vrrp/start')).json()).toEqual({ message: 'OK', details: 'keepalived reloaded' });
  });
});

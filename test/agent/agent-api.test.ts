import { createHash, randomUUID } from 'node:crypto';
import { ChildProcess } from 'node:child_process';
import { LocalCertificateAuthority } from '../../libs/certificates/src';
import { AmphoraFixture, BackendHandle, spawnNodeInNamespace, startBackend } from './agent.fixture';
import { renderLoadBalancer } from './haproxy-config.fixture';
import { sh, TestNetwork } from './netns.fixture';

jest.setTimeout(60_000);

const VIP_MAC = 'fa:16:3e:aa:00:01';
const MEMBER_NET_MAC = 'fa:16:3e:aa:00:02';

const LOAD_SCRIPT = `
const http = require('http');
const [host, port, min] = process.argv.slice(-3);
let ok = 0, fail = 0, stop = false, announced = false;
const errors = {}, seen = {};
process.stdin.on('data', (d) => { if (String(d).includes('stop')) stop = true; });
function one() {
  return new Promise((done) => {
    const req = http.get({ host, port: Number(port), path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode === 200) { ok++; seen[body] = (seen[body] || 0) + 1; }
        else { fail++; errors[res.statusCode] = (errors[res.statusCode] || 0) + 1; }
        done();
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { fail++; errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1; done(); });
  });
}
async function worker() {
  while (!(stop && ok + fail >= Number(min))) {
    await one();
    if (!announced && ok + fail >= 20) { announced = true; console.log('ready'); }
  }
}
Promise.all([worker(), worker()]).then(() => { console.log(JSON.stringify({ ok, fail, errors, seen })); process.exit(0); });
`;

/** Holds one connection open mid-request; exits when HAProxy closes it. */
const HOLD_SCRIPT = `
const [host, port] = process.argv.slice(-2);
const socket = require('net').connect(Number(port), host, () => {
  socket.write('GET / HTTP/1.1\\r\\nHost: hold\\r\\n');
  console.log('ready');
});
socket.on('data', () => undefined);
socket.on('error', () => undefined);
socket.on('close', () => { console.log('closed'); process.exit(0); });
setTimeout(() => { console.log('timeout'); process.exit(1); }, 20000);
`;

describe('amphora agent in a network namespace (bundled, mutual TLS)', () => {
  const net = new TestNetwork();
  const amp = new AmphoraFixture(net);
  const lbId = randomUUID();
  const listenerId = randomUUID();
  const poolId = randomUUID();
  const backends: BackendHandle[] = [];
  let cliNs = '';

  const vip = () => net.dataIp(100);
  const vrrpIp = () => net.dataIp(10);
  const config = () =>
    renderLoadBalancer({
      statePath: amp.statePath,
      lbId,
      listenerId,
      poolId,
      vip: vip(),
      port: 80,
      members: [
        { id: randomUUID(), address: net.dataIp(31), port: 8080, options: 'weight 1 check inter 200ms fall 2 rise 1' },
        { id: randomUUID(), address: net.dataIp(32), port: 8080, options: 'weight 1 check inter 200ms fall 2 rise 1' },
      ],
    });

  /** Requests from the client namespace through the VIP; returns bodies and failures. */
  async function curlFromClient(count: number): Promise<string[]> {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      bodies.push(await sh(['ip', 'netns', 'exec', cliNs, 'curl', '-s', '-m', '3', `http://${vip()}/`]).catch((e: Error) => `ERR ${e.message}`));
    }
    return bodies;
  }

  const showProc = () => sh(['socat', '-', `UNIX-CONNECT:${amp.statePath}/${lbId}/haproxy-master.sock`], 'show proc\n');

  beforeAll(async () => {
    await amp.createAmphoraNamespace();
    await net.addSwitch();
    cliNs = await net.addNamespace('cli');
    const be1 = await net.addNamespace('be1');
    const be2 = await net.addNamespace('be2');
    // The amphora's data link arrives unconfigured, known only by its MAC (like a Nova port).
    await net.attach(amp.ampNs, 'data0', { mac: VIP_MAC });
    await net.attach(cliNs, 'eth0', { address: `${net.dataIp(20)}/24` });
    await net.attach(be1, 'eth0', { address: `${net.dataIp(31)}/24` });
    await net.attach(be2, 'eth0', { address: `${net.dataIp(32)}/24` });
    backends.push(await startBackend(be1, net.dataIp(31), 8080, 'be1'));
    backends.push(await startBackend(be2, net.dataIp(32), 8080, 'be2'));
    await amp.startAgent(amp.renderConfig({ heartbeatPorts: [9], heartbeatKey: 'unused', heartbeatInterval: 10, oldWorkerTimeout: 2 }));
  }, 60_000);

  afterAll(async () => {
    for (const b of backends) await b.stop();
    await amp.destroy();
  }, 30_000);

  it('answers version discovery on / and // with api_version 1.0', async () => {
    for (const p of ['/', '//']) {
      const reply = await amp.request('GET', p);
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ api_version: '1.0' });
    }
    const info = (await amp.request('GET', '/1.0/info')).json<{ haproxy_version: string; api_version: string }>();
    expect(info.api_version).toBe('1.0');
    expect(info.haproxy_version).toMatch(/^\d+\.\d+/);
  });

  it('answers unknown routes with JSON 404 and wrong methods with JSON 405', async () => {
    const missing = await amp.request('GET', '/1.0/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/json');
    expect(missing.json()).toMatchObject({ http_code: 404, error: expect.stringMatching(/^404 Not Found: /) });
    const wrong = await amp.request('GET', `/1.0/listeners/${listenerId}`);
    expect(wrong.status).toBe(405);
    expect(wrong.json()).toMatchObject({ http_code: 405 });
    const unknownLb = await amp.request('GET', `/1.0/loadbalancer/${lbId}/haproxy`);
    expect(unknownLb.status).toBe(404);
    expect(unknownLb.json()).toEqual({ message: 'Loadbalancer Not Found', details: `No loadbalancer with UUID: ${lbId}` });
  });

  it('refuses a client certificate from another CA at the TLS layer', async () => {
    const rogue = LocalCertificateAuthority.create({ commonName: 'rogue' }).issueClientCertificate('octavia-controller');
    await expect(amp.request('GET', '/', undefined, { key: rogue.privateKeyPem, cert: rogue.certificatePem })).rejects.toThrow(
      /certificate|alert|socket hang up|ECONNRESET|disconnected before secure TLS/i,
    );
    await expect(amp.request('GET', '/', undefined, { key: '', cert: '' })).rejects.toThrow();
    expect((await amp.request('GET', '/')).status).toBe(200);
  });

  it('plugs the VIP port found by MAC: 404-retry before, 202 on plug, 409 after', async () => {
    const body = {
      subnet_cidr: `${net.dataPrefix}.0/24`,
      gateway: net.dataIp(1),
      mac_address: 'fa:16:3e:ff:ff:ff',
      vrrp_ip: vrrpIp(),
      mtu: 1450,
      host_routes: [],
    };
    const notYet = await amp.request('POST', `/1.0/plug/vip/${vip()}`, body);
    expect(notYet.status).toBe(404);
    expect(notYet.json<{ details: string }>().details).toContain('No suitable network interface found');

    expect((await amp.request('POST', `/1.0/plug/vip/${vip()}`, { mac_address: VIP_MAC })).json()).toMatchObject({ http_code: 400 });

    const plugged = await amp.request('POST', `/1.0/plug/vip/${vip()}`, { ...body, mac_address: VIP_MAC });
    expect(plugged.status).toBe(202);
    expect(plugged.json()).toEqual({ message: 'OK', details: `VIPs plugged on interface eth1: ${vip()}` });
    const addrs = await sh(['ip', '-n', amp.ampNs, '-br', 'addr', 'show', 'eth1']);
    expect(addrs).toContain(`${vrrpIp()}/24`);
    expect(addrs).toContain(`${vip()}/32`);
    expect(await sh(['ip', '-n', amp.ampNs, 'link', 'show', 'eth1'])).toContain('mtu 1450');

    expect((await amp.request('POST', `/1.0/plug/vip/${vip()}`, { ...body, mac_address: VIP_MAC })).status).toBe(409);
    expect((await amp.request('GET', `/1.0/interface/${vrrpIp()}`)).json()).toEqual({ message: 'OK', interface: 'eth1' });
    expect((await amp.request('GET', `/1.0/interface/${net.dataIp(99)}`)).status).toBe(404);
    expect((await amp.request('GET', '/1.0/interface/not-an-ip')).status).toBe(400);
  });

  it('rejects an invalid HAProxy config with 400 and the output of haproxy -c', async () => {
    const reply = await amp.request('PUT', `/1.0/loadbalancer/${amp.amphoraId}/${lbId}/haproxy`, 'global\n    bogus-keyword 1\n');
    expect(reply.status).toBe(400);
    const body = reply.json<{ message: string; details: string }>();
    expect(body.message).toBe('Invalid request');
    expect(body.details).toMatch(/bogus-keyword/);
    expect((await amp.request('GET', `/1.0/loadbalancer/${lbId}/haproxy`)).status).toBe(404);
  });

  it('installs a config, starts HAProxy and balances VIP traffic over both backends', async () => {
    const cfg = config();
    const uploaded = await amp.request('PUT', `/1.0/loadbalancer/${amp.amphoraId}/${lbId}/haproxy`, cfg);
    expect(uploaded.status).toBe(202);
    expect(uploaded.headers.etag).toBe(createHash('md5').update(cfg).digest('hex'));
    const stored = await amp.request('GET', `/1.0/loadbalancer/${lbId}/haproxy`);
    expect(stored.text).not.toMatch(/^\s*group /m);
    expect(stored.text).toContain(`frontend ${listenerId}`);

    const started = await amp.request('PUT', `/1.0/loadbalancer/${lbId}/start`);
    expect(started.text).toContain('started');
    expect(started.status).toBe(202);
    expect(started.json()).toEqual({ message: 'OK', details: `Configuration file is valid\nhaproxy daemon for ${lbId} started` });
    // Idempotent: the controller retries after timeouts.
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/start`)).status).toBe(202);

    const bodies = await curlFromClient(10);
    expect(new Set(bodies)).toEqual(new Set(['be1', 'be2']));
    expect((await amp.request('GET', '/1.0/listeners')).json()).toEqual([{ status: 'ACTIVE', uuid: listenerId, type: 'HTTP' }]);
    const details = (await amp.request('GET', '/1.0/details')).json<{ haproxy_count: number; listeners: string[] }>();
    expect(details.haproxy_count).toBe(1);
    expect(details.listeners).toEqual([listenerId]);
  });

  it('rejects unknown actions with 400', async () => {
    const reply = await amp.request('PUT', `/1.0/loadbalancer/${lbId}/explode`);
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ message: 'Invalid Request', details: 'Unknown action: explode' });
  });

  it('reloads HAProxy five times under a steady stream of new connections without failing one', async () => {
    let client: ChildProcess | null = null;
    client = await spawnNodeInNamespace(cliNs, LOAD_SCRIPT, [vip(), '80', '300']);
    let output = '';
    client.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const finished = new Promise<void>((resolve) => client!.once('exit', () => resolve()));
    for (let i = 0; i < 5; i++) {
      const reply = await amp.request('PUT', `/1.0/loadbalancer/${lbId}/reload`);
      expect(reply.status).toBe(202);
      expect(reply.json()).toEqual({ message: 'OK', details: `Listener ${lbId} reloaded` });
      await new Promise((r) => setTimeout(r, 150));
    }
    client.stdin!.write('stop\n');
    await finished;
    const result = JSON.parse(output.trim().split('\n').pop()!) as { ok: number; fail: number; errors: object; seen: Record<string, number> };
    expect(result.errors).toEqual({});
    expect(result.fail).toBe(0);
    expect(result.ok).toBeGreaterThanOrEqual(300);
    expect(Object.keys(result.seen).sort()).toEqual(['be1', 'be2']);
    expect(await showProc()).toMatch(/master\s+5 \[failed: 0\]/);
  });

  it('bounds the life of old workers when the config has no hard-stop-after', async () => {
    expect(config()).not.toContain('hard-stop-after');
    const holder = await spawnNodeInNamespace(cliNs, HOLD_SCRIPT, [vip(), '80']);
    let output = '';
    holder.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const closed = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    const reloadedAt = Date.now();
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/reload`)).status).toBe(202);
    expect(await showProc()).toMatch(/# old workers\n\d+\s+worker/);
    await closed;
    expect(output).toContain('closed');
    expect(Date.now() - reloadedAt).toBeGreaterThanOrEqual(1500);
    expect(await showProc()).not.toMatch(/# old workers\n\d+\s+worker/);
    expect(await curlFromClient(2)).toEqual(expect.arrayContaining([expect.stringMatching(/^be[12]$/)]));
  });

  it('serves a rotated server certificate on the next connection without a restart', async () => {
    const before = await amp.request('GET', '/');
    const rotated = amp.serverCa.issueServerCertificate(amp.amphoraId);
    expect(before.peerSerial).not.toBe(rotated.serialNumber);

    const bad = await amp.request('PUT', '/1.0/certificate', 'not a certificate');
    expect(bad.status).toBe(400);
    expect((await amp.request('GET', '/')).peerSerial).toBe(before.peerSerial);

    const put = await amp.request('PUT', '/1.0/certificate', rotated.bundlePem);
    expect(put.status).toBe(202);
    expect((await amp.request('GET', '/')).peerSerial).toBe(rotated.serialNumber);
  });

  it('stores, reports and deletes TLS material for HAProxy', async () => {
    const pem = amp.serverCa.issueServerCertificate('listener.example').bundlePem;
    const name = `${createHash('sha1').update(pem).digest('hex')}.pem`;
    const base = `/1.0/loadbalancer/${lbId}/certificates`;
    expect((await amp.request('GET', `${base}/${name}`)).status).toBe(404);
    const put = await amp.request('PUT', `${base}/${name}`, pem);
    expect(put.status).toBe(200);
    const md5 = createHash('md5').update(pem).digest('hex');
    expect(put.headers.etag).toBe(md5);
    expect((await amp.request('GET', `${base}/${name}`)).json()).toEqual({ md5sum: md5 });
    expect((await amp.request('PUT', `${base}/cert.crt`, pem)).json()).toEqual({ message: 'Filename has wrong format' });
    expect((await amp.request('DELETE', `${base}/${name}`)).status).toBe(200);
    expect((await amp.request('DELETE', `${base}/${name}`)).status).toBe(200);
    expect((await amp.request('GET', `${base}/${name}`)).status).toBe(404);
  });

  it('plugs a member network port as eth2 and updates it when plugged again', async () => {
    await net.attach(amp.ampNs, 'data1', { mac: MEMBER_NET_MAC });
    const body = {
      mac_address: MEMBER_NET_MAC,
      fixed_ips: [{ ip_address: '192.168.77.10', subnet_cidr: '192.168.77.0/24', host_routes: [], gateway: '192.168.77.1' }],
      mtu: 1500,
    };
    const plugged = await amp.request('POST', '/1.0/plug/network', body);
    expect(plugged.status).toBe(202);
    expect(plugged.json()).toEqual({ message: 'OK', details: 'Plugged on interface eth2' });
    expect(await sh(['ip', '-n', amp.ampNs, '-br', 'addr', 'show', 'eth2'])).toContain('192.168.77.10/24');
    const again = await amp.request('POST', '/1.0/plug/network', body);
    expect(again.json()).toEqual({ message: 'OK', details: 'Updated existing interface eth2' });
    expect((await amp.request('POST', '/1.0/plug/network', { mac_address: MEMBER_NET_MAC, fixed_ips: [{ ip_address: 'x' }] })).status).toBe(400);
  });

  it('stores UDP (LVS) listener configs validated by keepalived -t, and deletes them', async () => {
    const udpListener = randomUUID();
    const conf = [
      `# Configuration for Loadbalancer ${lbId}`,
      `# Configuration for Listener ${udpListener}`,
      '',
      'net_namespace amphora-haproxy',
      '',
      'virtual_server_group ipv4-group {',
      `    ${vip()} 53`,
      '}',
      '',
      'virtual_server group ipv4-group {',
      '    lb_algo wrr',
      '    lb_kind NAT',
      '    protocol UDP',
      '',
      `    # Configuration for Pool ${randomUUID()}`,
      `    # Configuration for Member ${randomUUID()}`,
      `    real_server ${net.dataIp(31)} 53 {`,
      '        weight 1',
      '    }',
      '}',
      '',
    ].join('\n');
    const base = `/1.0/listeners/${amp.amphoraId}/${udpListener}/udp_listener`;
    expect((await amp.request('PUT', base, 'virtual_server {\n  bogus_keyword 1\n}\n')).status).toBe(400);
    const put = await amp.request('PUT', base, conf);
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe(createHash('md5').update(conf).digest('hex'));
    expect((await amp.request('GET', `/1.0/listeners/${udpListener}/udp_listener`)).text).toBe(conf);
    expect((await amp.request('GET', '/1.0/listeners')).json()).toContainEqual({ status: 'OFFLINE', uuid: udpListener, type: 'UDP' });
    expect((await amp.request('DELETE', `/1.0/listeners/${udpListener}`)).json()).toEqual({ message: 'OK' });
    const gone = await amp.request('GET', `/1.0/listeners/${udpListener}/udp_listener`);
    expect(gone.status).toBe(404);
    expect(gone.json()).toEqual({ message: 'UDP Listener Not Found', details: `No UDP listener with UUID: ${udpListener}` });
  });

  it('accepts a new agent configuration and refuses a broken one', async () => {
    const next = amp.renderConfig({ heartbeatPorts: [9], heartbeatKey: 'rotated', heartbeatInterval: 5 });
    expect((await amp.request('PUT', '/1.0/config', next)).status).toBe(202);
    const broken = await amp.request('PUT', '/1.0/config', '[health_manager]\nheartbeat_interval = -1\n');
    expect(broken.status).toBe(500);
    expect(broken.json<{ message: string }>().message).toBe('Unable to update amphora-agent configuration.');
    expect((await amp.request('GET', '/')).status).toBe(200);
  });

  it('adopts the running HAProxy after an agent restart', async () => {
    const pidFile = `${amp.statePath}/${lbId}/${lbId}.pid`;
    const masterPid = (await sh(['cat', pidFile])).trim();
    await amp.stopAgent();
    expect(await curlFromClient(2)).toEqual(expect.arrayContaining([expect.stringMatching(/^be[12]$/)]));
    await amp.startAgent(amp.renderConfig({ heartbeatPorts: [9], heartbeatKey: 'unused', heartbeatInterval: 10, oldWorkerTimeout: 2 }));
    expect((await amp.request('GET', '/1.0/listeners')).json()).toEqual([{ status: 'ACTIVE', uuid: listenerId, type: 'HTTP' }]);
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/reload`)).status).toBe(202);
    expect((await sh(['cat', pidFile])).trim()).toBe(masterPid);
    expect(await curlFromClient(2)).toEqual(expect.arrayContaining([expect.stringMatching(/^be[12]$/)]));
  });

  it('stops and deletes the load balancer idempotently', async () => {
    const stopped = await amp.request('PUT', `/1.0/loadbalancer/${lbId}/stop`);
    expect(stopped.json()).toEqual({ message: 'OK', details: `Listener ${lbId} stoped` });
    expect((await curlFromClient(1))[0]).toMatch(/^ERR/);
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/reload`)).status).toBe(202); // reload of a stopped LB starts it
    expect(await curlFromClient(2)).toEqual(expect.arrayContaining([expect.stringMatching(/^be[12]$/)]));
    expect((await amp.request('DELETE', `/1.0/listeners/${lbId}`)).json()).toEqual({ message: 'OK' });
    expect((await curlFromClient(1))[0]).toMatch(/^ERR/);
    expect((await amp.request('DELETE', `/1.0/listeners/${lbId}`)).status).toBe(200);
    expect((await amp.request('GET', `/1.0/loadbalancer/${lbId}/haproxy`)).status).toBe(404);
    expect((await amp.request('PUT', `/1.0/loadbalancer/${lbId}/start`)).status).toBe(404);
  });
});

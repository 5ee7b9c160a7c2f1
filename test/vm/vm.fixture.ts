import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import * as path from 'node:path';
import { IssuedCertificate, LocalCertificateAuthority } from '../../libs/certificates/src';
import { ComputeCreateRequest } from '../../libs/drivers/src/compute/compute-driver';

export const ROOT = path.resolve(__dirname, '../..');
/** Images live in the shared data dir so that every run (and CI, which starts clean once) reuses the build. */
export const IMAGE_DIR = process.env.OCTAVIA_TS_IMAGE_DIR ?? path.join(process.env.OCTAVIA_TS_DATA_DIR ?? path.join(ROOT, '.data'), 'images');

export function sh(argv: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out + err);
      else reject(new Error(`${argv.join(' ')}: exit ${code}\n${(out + err).slice(-4000)}`));
    });
  });
}

/** Builds the image if it is missing or its packages changed (a cache hit takes a few seconds). */
export async function ensureImage(): Promise<{ output: string; buildJson: Record<string, unknown> }> {
  const output = await sh(['bash', path.join(ROOT, 'images/debian/build.sh'), '--out', IMAGE_DIR], { timeoutMs: 1_500_000 });
  const buildJson = JSON.parse(await fs.readFile(path.join(IMAGE_DIR, 'debian-current', 'build.json'), 'utf8')) as Record<string, unknown>;
  return { output, buildJson };
}

/** A management bridge in the root namespace with the controller's address; random names, private range. */
export class ManagementBridge {
  readonly suffix = randomBytes(3).toString('hex');
  readonly bridge = `vmbr${this.suffix}`;
  readonly prefix = `172.${16 + (randomBytes(1)[0] % 16)}.${randomBytes(1)[0]}`;
  get controllerIp(): string {
    return `${this.prefix}.1`;
  }
  amphoraIp(n: number): string {
    return `${this.prefix}.${10 + n}`;
  }
  async create(): Promise<void> {
    await sh(['ip', 'link', 'add', this.bridge, 'type', 'bridge']);
    await sh(['ip', 'addr', 'add', `${this.controllerIp}/24`, 'dev', this.bridge]);
    await sh(['ip', 'link', 'set', this.bridge, 'up']);
  }
  async destroy(): Promise<void> {
    await sh(['ip', 'link', 'del', this.bridge]).catch(() => undefined);
  }
}

/** Neutron-style MACs, as the IPAM hands them out. */
export { randomMac } from '../../libs/database/src';

/** Identities for one amphora: its server certificate (CN = amphora id) and the controller's client certificate. */
export class AmphoraIdentity {
  readonly amphoraId = randomUUID();
  readonly serverCa = LocalCertificateAuthority.create({ commonName: 'amphora server CA' });
  readonly controllerCa = LocalCertificateAuthority.create({ commonName: 'controller client CA' });
  readonly controller: IssuedCertificate = this.controllerCa.issueClientCertificate('octavia-controller');
  readonly server: IssuedCertificate = this.serverCa.issueServerCertificate(this.amphoraId);

  createRequest(mgmt: { ip: string; prefixLength: number; controllerIp: string; bridge: { namespace: string | null; bridge: string } | null; mac: string }, topology: 'SINGLE' | 'ACTIVE_STANDBY' = 'SINGLE'): ComputeCreateRequest {
    return {
      amphoraId: this.amphoraId,
      loadBalancerId: null,
      role: 'STANDALONE',
      agent: {
        amphoraId: this.amphoraId,
        topology,
        bindPort: 9443,
        heartbeatKey: 'vm-test-key',
        heartbeatInterval: 10,
        controllerIpPortList: [`${mgmt.controllerIp}:5555`],
        serverPem: this.server.bundlePem,
        clientCaPem: this.controllerCa.certificatePem,
      },
      management: { ip: mgmt.ip, prefixLength: mgmt.prefixLength, controllerIp: mgmt.controllerIp, bridge: mgmt.bridge, macAddress: mgmt.mac },
    };
  }

  /** One agent API call over mutual TLS, verifying the agent by its amphora id. */
  request(host: string, method: string, urlPath: string, opts: { port?: number; identity?: { key: string; cert: string }; timeoutMs?: number; json?: unknown } = {}): Promise<{ status: number; text: string }> {
    const payload = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host,
          port: opts.port ?? 9443,
          method,
          path: urlPath,
          key: opts.identity?.key ?? this.controller.privateKeyPem,
          cert: opts.identity?.cert ?? this.controller.certificatePem,
          ca: this.serverCa.certificatePem,
          servername: this.amphoraId,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {},
          agent: false,
          timeout: opts.timeoutMs ?? 10_000,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Polls GET / until the agent answers 200; returns seconds waited. */
  async waitForAgent(host: string, timeoutMs: number, port = 9443): Promise<number> {
    const start = Date.now();
    let last = '';
    while (Date.now() - start < timeoutMs) {
      try {
        const r = await this.request(host, 'GET', '/', { port, timeoutMs: 5000 });
        if (r.status === 200) return (Date.now() - start) / 1000;
        last = `HTTP ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`agent at ${host}:${port} did not answer within ${timeoutMs} ms (last: ${last})`);
  }
}

export function imageExists(): boolean {
  return existsSync(path.join(IMAGE_DIR, 'debian-current', 'build.json'));
}

import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, promises as fs } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TLSSocket } from 'node:tls';
import { IssuedCertificate, LocalCertificateAuthority } from '../../libs/certificates/src';
import { TestNetwork } from './netns.fixture';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bundleAgent } = require('../../scripts/bundle-agent.js') as { bundleAgent(o: { outfile: string }): Promise<string> };

export const AGENT_PORT = 9443;

export interface AgentReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
  /** Serial number of the certificate the agent presented. */
  peerSerial: string;
}

export interface ClientIdentity {
  key: string;
  cert: string;
}

export interface BackendHandle {
  pid: number;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Spawn `node -e <script>` inside a namespace; resolves once it prints `ready`. */
export async function spawnNodeInNamespace(ns: string, script: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, '--', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "ready" from node in ${ns}: ${err}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node in ${ns} exited with ${code}: ${err}`));
    });
  });
  return child;
}

const BACKEND_SCRIPT = `
const [host, port, name] = process.argv.slice(-3);
require('http').createServer((req, res) => res.end(name)).listen(Number(port), host, () => console.log('ready'));
`;

/** A tiny HTTP server in a backend namespace that answers with its own name. */
export async function startBackend(ns: string, host: string, port: number, name: string): Promise<BackendHandle> {
  const child = await spawnNodeInNamespace(ns, BACKEND_SCRIPT, [host, String(port), name]);
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await waitForExit(child, 3000);
    },
  };
}

/**
 * One amphora: a namespace with a management link to the root namespace, the bundled agent
 * running inside it with mutual TLS, and a controller identity issued by a local CA.
 */
export class AmphoraFixture {
  readonly amphoraId = randomUUID();
  /**
   * Under /run, not /tmp: keepalived refuses check scripts below a world-writable directory
   * (script security), as it would on an amphora with a badly chosen base_path.
   */
  readonly dir = mkdtempSync(path.join(existsSync('/run') ? '/run' : tmpdir(), 'aa-agent-'));
  readonly serverCa = LocalCertificateAuthority.create({ commonName: 'amphora server CA' });
  readonly controllerCa = LocalCertificateAuthority.create({ commonName: 'controller client CA' });
  readonly controller: IssuedCertificate = this.controllerCa.issueClientCertificate('octavia-controller');
  ampNs = '';
  bundle = '';
  private agent: ChildProcess | null = null;

  constructor(readonly net: TestNetwork) {}

  get statePath(): string {
    return path.join(this.dir, 'state');
  }
  get configFile(): string {
    return path.join(this.dir, 'amphora-agent.conf');
  }
  get logFile(): string {
    return path.join(this.dir, 'agent.log');
  }

  renderConfig(options: {
    heartbeatPorts: number[];
    heartbeatKey: string;
    heartbeatInterval: number;
    topology?: string;
    oldWorkerTimeout?: number;
  }): string {
    return [
      '[DEFAULT]',
      'debug = true',
      '',
      '[haproxy_amphora]',
      `base_path = ${this.statePath}`,
      `base_cert_dir = ${this.statePath}/certs`,
      `bind_host = ${this.net.amphoraMgmtIp}`,
      `bind_port = ${AGENT_PORT}`,
      'haproxy_cmd = /usr/sbin/haproxy',
      ...(options.oldWorkerTimeout ? [`old_worker_timeout = ${options.oldWorkerTimeout}`] : []),
      '',
      '[health_manager]',
      `controller_ip_port_list = ${options.heartbeatPorts.map((p) => `${this.net.controllerIp}:${p}`).join(', ')}`,
      `heartbeat_interval = ${options.heartbeatInterval}`,
      `heartbeat_key = ${options.heartbeatKey}`,
      '',
      '[amphora_agent]',
      `amphora_id = ${this.amphoraId}`,
      `agent_server_cert = ${this.dir}/server.pem`,
      `agent_server_ca = ${this.dir}/client_ca.pem`,
      `agent_server_network_dir = ${this.dir}/interfaces`,
      'agent_tls_protocol = TLSv1.2',
      'platform = netns',
      '',
      '[controller_worker]',
      `loadbalancer_topology = ${options.topology ?? 'SINGLE'}`,
      '',
    ].join('\n');
  }

  /** Namespace + management link; the data plane is added by the test. */
  async createAmphoraNamespace(): Promise<void> {
    this.ampNs = await this.net.addNamespace('amp');
    await this.net.addManagementLink(this.ampNs);
  }

  async startAgent(config: string): Promise<void> {
    if (!this.bundle) this.bundle = await bundleAgent({ outfile: path.join(this.dir, 'amphora-agent.js') });
    await fs.writeFile(path.join(this.dir, 'server.pem'), this.serverCa.issueServerCertificate(this.amphoraId).bundlePem, { mode: 0o600 });
    await fs.writeFile(path.join(this.dir, 'client_ca.pem'), this.controllerCa.certificatePem);
    await fs.writeFile(this.configFile, config, { mode: 0o600 });
    const log = openSync(this.logFile, 'a');
    try {
      // Nothing but Node and the bundle: no ts sources, no node_modules.
      this.agent = spawn('ip', ['netns', 'exec', this.ampNs, process.execPath, this.bundle, '--config-file', this.configFile], {
        stdio: ['ignore', log, log],
        cwd: '/',
      });
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await this.request('GET', '/')).status === 200) return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`agent did not come up: ${(err as Error).message}\n${await this.log()}`);
      }
      if (this.agent.exitCode !== null) throw new Error(`agent exited with ${this.agent.exitCode}\n${await this.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async log(): Promise<string> {
    return fs.readFile(this.logFile, 'utf8').catch(() => '');
  }

  request(method: string, urlPath: string, body?: string | Buffer | object, identity?: ClientIdentity): Promise<AgentReply> {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const headers: Record<string, string> = {};
    if (payload) headers['Content-Length'] = String(payload.length);
    if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) headers['Content-Type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: this.net.amphoraMgmtIp,
          port: AGENT_PORT,
          method,
          path: urlPath,
          headers,
          key: identity?.key ?? this.controller.privateKeyPem,
          cert: identity?.cert ?? this.controller.certificatePem,
          ca: this.serverCa.certificatePem,
          // The controller verifies the agent against the amphora id, not its IP.
          servername: this.amphoraId,
          maxVersion: 'TLSv1.2',
          agent: false,
          timeout: 20_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          const peerSerial = (res.socket as TLSSocket).getPeerCertificate?.()?.serialNumber ?? '';
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const buf = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: buf,
              text: buf.toString('utf8'),
              json: <T>() => JSON.parse(buf.toString('utf8')) as T,
              peerSerial: peerSerial.toLowerCase(),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async stopAgent(): Promise<void> {
    if (!this.agent) return;
    this.agent.kill('SIGTERM');
    await waitForExit(this.agent, 5000);
    this.agent = null;
  }

  /** Stop daemons (the agent reaps them), then the agent, then the network and files. */
  async destroy(): Promise<void> {
    const agentPid = this.agent?.pid;
    const spare: number[] = [];
    if (agentPid !== undefined && this.ampNs) {
      // `ip netns exec` execs node, so the agent keeps the pid we spawned.
      spare.push(agentPid);
    }
    await this.net.killInside(spare);
    await this.stopAgent();
    await this.net.destroy();
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

import { request as httpsRequest, Agent } from 'node:https';
import { isIP } from 'node:net';

/** Upstream's [haproxy_amphora] timeouts and retries (amphora-agent-api.md §6.2). */
export interface AmphoraClientTimeouts {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxRetries: number;
  retryIntervalMs: number;
}

export const BUILD_TIMEOUTS: AmphoraClientTimeouts = { connectTimeoutMs: 10_000, readTimeoutMs: 60_000, maxRetries: 120, retryIntervalMs: 5_000 };
/** Post-boot calls (failover and everything after the connectivity wait). */
export const ACTIVE_TIMEOUTS: AmphoraClientTimeouts = { connectTimeoutMs: 10_000, readTimeoutMs: 60_000, maxRetries: 15, retryIntervalMs: 2_000 };

export interface AmphoraTarget {
  id: string;
  /** amphora.lb_network_ip */
  managementIp: string;
}

export interface AgentResponse {
  status: number;
  body: string;
  json<T = Record<string, any>>(): T;
}

/** An agent answered with a status the caller does not accept: the flow fails with the agent's words. */
export class AmphoraAgentError extends Error {
  constructor(readonly amphoraId: string, readonly status: number, readonly body: string, what: string) {
    super(`amphora ${amphoraId} refused ${what}: HTTP ${status} ${body.slice(0, 2000)}`);
  }
}

export class AmphoraUnreachableError extends Error {}

/**
 * The controller's client for agent API 1.0: HTTPS with the controller's client certificate, the agent
 * verified against the server CA with the amphora id as the expected name. Connection failures,
 * timeouts and the agent's "No suitable network interface found" 404 are retried up to maxRetries.
 */
export class AmphoraClient {
  private readonly agent: Agent;

  constructor(
    private readonly tls: { clientCertPem: string; clientKeyPem: string; serverCaPem: string },
    private readonly port = 9443,
    private readonly defaults: AmphoraClientTimeouts = ACTIVE_TIMEOUTS,
    private readonly onRetry?: (amphoraId: string, attempt: number, reason: string) => void,
  ) {
    // Keep-alive saves a TLS handshake per call; the agent serves requests one at a time anyway.
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: 30_000 });
  }

  private once(amp: AmphoraTarget, method: string, path: string, body: Buffer | undefined, json: boolean, t: AmphoraClientTimeouts): Promise<AgentResponse> {
    const host = isIP(amp.managementIp) === 6 ? `[${amp.managementIp}]` : amp.managementIp;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { 'User-Agent': 'Octavia HaProxy Rest Client/1.0 (https://wiki.openstack.org/wiki/Octavia)' };
      if (body) headers['Content-Length'] = String(body.length);
      if (json) headers['Content-Type'] = 'application/json';
      const req = httpsRequest(
        {
          host: amp.managementIp,
          port: this.port,
          method,
          path,
          headers,
          cert: this.tls.clientCertPem,
          key: this.tls.clientKeyPem,
          ca: this.tls.serverCaPem,
          servername: amp.id,
          checkServerIdentity: (_h, cert) => {
            const names = [cert.subject?.CN, ...(cert.subjectaltname ?? '').split(', ').map((s) => s.replace(/^DNS:/, ''))];
            return names.includes(amp.id) ? undefined : new Error(`agent at ${host} presented a certificate for ${cert.subject?.CN}, expected ${amp.id}`);
          },
          minVersion: 'TLSv1.2',
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T });
          });
          res.on('error', reject);
        },
      );
      const connectTimer = setTimeout(() => req.destroy(new Error(`connect timeout after ${t.connectTimeoutMs} ms`)), t.connectTimeoutMs);
      req.on('socket', (s) => {
        // A kept-alive socket is already connected: no connect phase to time.
        if (!s.connecting && (s as import('node:tls').TLSSocket).encrypted) clearTimeout(connectTimer);
        else s.once('secureConnect', () => clearTimeout(connectTimer));
      });
      req.setTimeout(t.readTimeoutMs, () => req.destroy(new Error(`read timeout after ${t.readTimeoutMs} ms`)));
      req.on('error', (e) => {
        clearTimeout(connectTimer);
        reject(e);
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.end(body);
    });
  }

  /** One call with upstream's retry semantics; `accept` lists the statuses that count as success. */
  async call(
    amp: AmphoraTarget,
    method: string,
    path: string,
    opts: { body?: string | object; accept?: number[]; what?: string; timeouts?: Partial<AmphoraClientTimeouts> } = {},
  ): Promise<AgentResponse> {
    const t = { ...this.defaults, ...opts.timeouts };
    const json = opts.body !== undefined && typeof opts.body === 'object';
    const body = opts.body === undefined ? undefined : Buffer.from(json ? JSON.stringify(opts.body) : (opts.body as string));
    const accept = opts.accept ?? [200, 202];
    let lastError = '';
    // Upstream sleeps `retryInterval` between `maxRetries` attempts. We keep that total budget but start
    // with short sleeps (50 ms, doubling up to the interval), so a fresh agent is found within milliseconds
    // of listening instead of a fixed 5 s later.
    const deadline = Date.now() + t.maxRetries * t.retryIntervalMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.once(amp, method, path, body, json, t);
        const retryable404 = res.status === 404 && /No suitable network interface found/.test(res.body);
        if (!retryable404) {
          if (accept.includes(res.status)) return res;
          throw new AmphoraAgentError(amp.id, res.status, res.body, opts.what ?? `${method} ${path}`);
        }
        lastError = res.body;
      } catch (err) {
        if (err instanceof AmphoraAgentError) throw err;
        lastError = (err as Error).message;
      }
      const pause = Math.min(t.retryIntervalMs, 50 * 2 ** Math.min(attempt - 1, 16));
      if (Date.now() + pause > deadline) break;
      this.onRetry?.(amp.id, attempt, lastError);
      await new Promise((r) => setTimeout(r, pause));
    }
    throw new AmphoraUnreachableError(`amphora ${amp.id} at ${amp.managementIp} not reachable within ${t.maxRetries * t.retryIntervalMs} ms: ${lastError}`);
  }

  // --- agent API 1.0, the calls the flows make ---------------------------------------------------

  /** Connectivity wait: `GET /` then `GET /1.0/info` (haproxy version). */
  async waitForAgent(amp: AmphoraTarget, timeouts?: Partial<AmphoraClientTimeouts>): Promise<{ haproxy_version?: string; api_version?: string }> {
    await this.call(amp, 'GET', '/', { timeouts, what: 'version discovery' });
    return (await this.call(amp, 'GET', '/1.0/info', { timeouts, what: 'info' })).json();
  }

  async details(amp: AmphoraTarget): Promise<Record<string, any>> {
    return (await this.call(amp, 'GET', '/1.0/details')).json();
  }

  plugVip(amp: AmphoraTarget, vip: string, body: object): Promise<AgentResponse> {
    return this.call(amp, 'POST', `/1.0/plug/vip/${vip}`, { body, accept: [202, 409], what: 'the VIP plug' });
  }

  plugNetwork(amp: AmphoraTarget, body: object): Promise<AgentResponse> {
    return this.call(amp, 'POST', '/1.0/plug/network', { body, accept: [202, 409], what: 'the network plug' });
  }

  async interfaceFor(amp: AmphoraTarget, ip: string): Promise<string> {
    return (await this.call(amp, 'GET', `/1.0/interface/${ip}`, { accept: [200], what: 'the interface lookup' })).json<{ interface: string }>().interface;
  }

  uploadHaproxyConfig(amp: AmphoraTarget, lbId: string, config: string): Promise<AgentResponse> {
    return this.call(amp, 'PUT', `/1.0/loadbalancer/${amp.id}/${lbId}/haproxy`, { body: config, what: 'the HAProxy configuration' });
  }

  loadBalancerAction(amp: AmphoraTarget, lbId: string, action: 'start' | 'stop' | 'reload'): Promise<AgentResponse> {
    return this.call(amp, 'PUT', `/1.0/loadbalancer/${lbId}/${action}`, { what: `haproxy ${action}` });
  }

  deleteListeners(amp: AmphoraTarget, objectId: string): Promise<AgentResponse> {
    return this.call(amp, 'DELETE', `/1.0/listeners/${objectId}`, { accept: [200, 404], what: 'the listener delete' });
  }

  uploadVrrpConfig(amp: AmphoraTarget, config: string): Promise<AgentResponse> {
    return this.call(amp, 'PUT', '/1.0/vrrp/upload', { body: config, what: 'the keepalived configuration' });
  }

  vrrpAction(amp: AmphoraTarget, action: 'start' | 'stop' | 'reload'): Promise<AgentResponse> {
    return this.call(amp, 'PUT', `/1.0/vrrp/${action}`, { what: `keepalived ${action}` });
  }

  uploadCertificate(amp: AmphoraTarget, lbId: string, filename: string, pem: string): Promise<AgentResponse> {
    return this.call(amp, 'PUT', `/1.0/loadbalancer/${lbId}/certificates/${filename}`, { body: pem, what: `certificate ${filename}` });
  }

  rotateServerCertificate(amp: AmphoraTarget, bundlePem: string): Promise<AgentResponse> {
    return this.call(amp, 'PUT', '/1.0/certificate', { body: bundlePem, what: 'the server certificate' });
  }

  updateAgentConfig(amp: AmphoraTarget, config: string): Promise<AgentResponse> {
    return this.call(amp, 'PUT', '/1.0/config', { body: config, what: 'the agent configuration' });
  }

  close(): void {
    this.agent.destroy();
  }
}

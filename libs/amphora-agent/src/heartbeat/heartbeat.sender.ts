import { createSocket, Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { encodeHeartbeat, HeartbeatListener, HeartbeatPayloadV3 } from '../../../heartbeat/src';
import { AgentContext } from '../agent-context';
import { ControllerAddress } from '../config/agent-config';
import { errorMessage } from '../util/logger';
import { StatsCounters } from './stats-counters';
import { StatusCollector } from './status-collector';

export type SendOutcome = 'sent' | 'suppressed_keepalived_down' | 'no_amphora_id' | 'no_destination';

interface Destination {
  address: string;
  port: number;
  family: 4 | 6;
}

/** Asks whether the amphora's VRRP keepalived is configured and whether it is alive. */
export interface VrrpState {
  isConfigured(): Promise<boolean>;
  isRunning(): Promise<boolean>;
}

/**
 * The amphora's heartbeat (heartbeat.md §1): every `heartbeat_interval` build a version-3
 * message, sign it with `heartbeat_key`, and send it to ONE health manager, rotating through
 * `controller_ip_port_list`. Silence is the failover signal, so nothing is sent while a
 * configured keepalived is down.
 */
export class HeartbeatSender {
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private sockets: Partial<Record<4 | 6, Socket>> = {};
  private resolvedFor = '';
  private destinations: Destination[] = [];
  private next = 0;

  constructor(
    private readonly ctx: AgentContext,
    private readonly collector: StatusCollector,
    private readonly counters: StatsCounters,
    private readonly vrrp: VrrpState,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const socket of Object.values(this.sockets)) socket?.close();
    this.sockets = {};
  }

  /** Called after `PUT /1.0/config`: a new interval applies from the next tick. */
  reconfigure(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    try {
      await this.sendOnce();
    } catch (err) {
      this.ctx.logger.error('heartbeat not sent', { error: errorMessage(err) });
    }
    if (this.running && this.timer === null) this.schedule(this.ctx.config().healthManager.heartbeatInterval * 1000);
  }

  async buildPayload(): Promise<HeartbeatPayloadV3> {
    const status = await this.collector.collect();
    const stats = await this.counters.deltas(new Map([...status.listeners].map(([id, l]) => [id, l.counters])));
    const listeners: Record<string, HeartbeatListener> = {};
    for (const [id, l] of status.listeners) listeners[id] = { status: l.status, stats: stats.get(id)! };
    return { id: this.ctx.config().amphoraAgent.amphoraId, seq: this.seq++, listeners, pools: status.pools, ver: 3 };
  }

  async sendOnce(): Promise<SendOutcome> {
    const config = this.ctx.config();
    if (!config.amphoraAgent.amphoraId) return 'no_amphora_id';
    if ((await this.vrrp.isConfigured()) && !(await this.vrrp.isRunning())) {
      this.ctx.logger.warn('keepalived is configured but not running: withholding heartbeat');
      return 'suppressed_keepalived_down';
    }
    const destination = await this.nextDestination(config.healthManager.controllerIpPortList);
    if (!destination) return 'no_destination';
    const datagram = encodeHeartbeat(await this.buildPayload(), config.healthManager.heartbeatKey);
    this.socket(destination.family).send(datagram, destination.port, destination.address, (err) => {
      // UDP send errors (e.g. no route while booting) are expected and not fatal (upstream).
      if (err) this.ctx.logger.debug('heartbeat send failed', { to: destination.address, error: err.message });
    });
    return 'sent';
  }

  private socket(family: 4 | 6): Socket {
    let socket = this.sockets[family];
    if (!socket) {
      socket = createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.on('error', (err) => this.ctx.logger.debug('heartbeat socket error', { error: err.message }));
      socket.unref();
      this.sockets[family] = socket;
    }
    return socket;
  }

  /** Resolve the list once per change, then rotate through it. */
  private async nextDestination(list: ControllerAddress[]): Promise<Destination | null> {
    const signature = list.map((d) => `${d.host}:${d.port}`).join(',');
    if (signature !== this.resolvedFor) {
      const resolved: Destination[] = [];
      for (const d of list) {
        try {
          const r = await lookup(d.host);
          resolved.push({ address: r.address, port: d.port, family: r.family === 6 ? 6 : 4 });
        } catch (err) {
          this.ctx.logger.warn('cannot resolve health manager address', { host: d.host, error: errorMessage(err) });
        }
      }
      this.destinations = resolved;
      this.resolvedFor = signature;
      this.next = 0;
    }
    if (this.destinations.length === 0) return null;
    const destination = this.destinations[this.next % this.destinations.length];
    this.next = (this.next + 1) % this.destinations.length;
    return destination;
  }
}

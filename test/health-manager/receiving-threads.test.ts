import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MetricsRegistry } from '../../libs/common/src';
import { encodeHeartbeat, HeartbeatMessage } from '../../libs/heartbeat/src';
import { HeartbeatReceiver, HeartbeatSink } from '../../apps/health-manager/src/receiver/heartbeat-receiver';
import { findUdpSocketFd } from '../../apps/health-manager/src/receiver/socket-fd';
import { KEY, MemoryLogger } from './hm-fixture';

/** Collects what the receiver hands on (the processor's side of the interface). */
class CollectingSink implements HeartbeatSink {
  readonly seen: Array<{ id: string; kind: 'full' | 'compact'; rx: number }> = [];
  full(message: HeartbeatMessage): void {
    const l = Object.values(message.listeners ?? {})[0] as { stats: { rx: number } };
    this.seen.push({ id: message.id, kind: 'full', rx: l.stats.rx });
  }
  compact(full: HeartbeatMessage, stats: number[]): void {
    this.seen.push({ id: full.id, kind: 'compact', rx: stats[0] });
  }
}

function heartbeat(id: string, listener: string, rx: number): Buffer {
  return encodeHeartbeat({ id, seq: rx, listeners: { [listener]: { status: 'OPEN', stats: { rx, tx: 1, conns: 0, totconns: 0, ereq: 0 } } }, pools: {}, ver: 3 }, KEY);
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('receiving threads on one shared socket', () => {
  it('finds the bound socket’s descriptor through /proc, by address when the port is bound twice', async () => {
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    await new Promise<void>((r) => a.bind(0, '127.0.0.1', () => r()));
    const port = a.address().port;
    await new Promise<void>((r) => b.bind(port, '127.0.0.2', () => r()));
    try {
      const fdA = findUdpSocketFd('127.0.0.1', port, 'udp4');
      const fdB = findUdpSocketFd('127.0.0.2', port, 'udp4');
      expect(fdA).not.toBeNull();
      expect(fdB).not.toBeNull();
      expect(fdA).not.toBe(fdB);
      // The descriptor really is a's socket: another thread wrapping it receives what is sent to a's address
      // (a's own loop keeps reading too, so send until the thread has one).
      a.on('message', () => undefined);
      const wrapper = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const s = require('node:dgram').createSocket('udp4');
         s.on('message', (m) => { parentPort.postMessage(m.toString()); s.close(); });
         s.bind({ fd: workerData.fd });`,
        { eval: true, workerData: { fd: fdA } },
      );
      const got = new Promise<string>((r) => wrapper.once('message', r));
      const sender = createSocket('udp4');
      const timer = setInterval(() => sender.send('hello', port, '127.0.0.1'), 5);
      try {
        expect(await got).toBe('hello');
      } finally {
        clearInterval(timer);
        sender.close();
        await wrapper.terminate();
      }
      expect(findUdpSocketFd('127.0.0.1', port === 65535 ? 1 : port + 1, 'udp4')).toBeNull();
    } finally {
      a.close();
      b.close();
    }
  });

  it('two threads read one socket: every heartbeat arrives exactly once and repeats travel compact', async () => {
    const sink = new CollectingSink();
    const logger = new MemoryLogger();
    const receiver = new HeartbeatReceiver({ bindIp: '127.0.0.1', bindPort: 0, heartbeatKey: KEY, decodeThreads: 2, sockRlimit: 1 << 20 }, sink, new MetricsRegistry(), logger);
    await receiver.start();
    try {
      expect(receiver.receivingThreads()).toBe(2);
      expect(logger.entries.filter((e) => e.level === 'warn')).toEqual([]);
      const { port } = receiver.address();
      const ids = Array.from({ length: 50 }, () => randomUUID());
      const listener = randomUUID();
      const sender = createSocket('udp4');
      const rounds = 40;
      for (let r = 1; r <= rounds; r++) {
        await Promise.all(ids.map((id) => new Promise<void>((done) => sender.send(heartbeat(id, listener, r), port, '127.0.0.1', () => done()))));
        await new Promise((res) => setTimeout(res, 5));
      }
      sender.close();
      await until(() => sink.seen.length >= ids.length * rounds, 20000);
      await new Promise((r) => setTimeout(r, 200));
      expect(sink.seen.length).toBe(ids.length * rounds);
      expect(sink.seen.filter((s) => s.kind === 'compact').length).toBeGreaterThan(ids.length * (rounds - 10));
      // Each amphora's counters arrive complete (no duplicates, none lost).
      for (const id of ids) {
        expect(sink.seen.filter((s) => s.id === id).map((s) => s.rx).sort((x, y) => x - y)).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
      }
    } finally {
      await receiver.stop();
    }
  });

  it('a port already in use fails start() with the address in the message', async () => {
    const holder = createSocket('udp4');
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    const receiver = new HeartbeatReceiver(
      { bindIp: '127.0.0.1', bindPort: holder.address().port, heartbeatKey: KEY, decodeThreads: 1, sockRlimit: 0 },
      new CollectingSink(),
      new MetricsRegistry(),
      new MemoryLogger(),
    );
    try {
      await expect(receiver.start()).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${holder.address().port}.*EADDRINUSE`));
    } finally {
      await receiver.stop();
      holder.close();
    }
  });

  it('warns when the kernel caps the receive buffer below sock_rlimit (net.core.rmem_max)', async () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    for (const threads of [0, 1]) {
      const logger = new MemoryLogger();
      const receiver = new HeartbeatReceiver({ bindIp: '127.0.0.1', bindPort: 0, heartbeatKey: KEY, decodeThreads: threads, sockRlimit: rmemMax * 4 }, new CollectingSink(), new MetricsRegistry(), logger);
      await receiver.start();
      await receiver.stop();
      const warning = logger.entries.find((e) => String(e.msg).includes('raise net.core.rmem_max'));
      expect(warning).toMatchObject({ level: 'warn', sock_rlimit: rmemMax * 4, granted_bytes: rmemMax * 2 });
    }
  });

  it('a receiving thread that ends on its own is replaced: all threads restart and heartbeats flow again', async () => {
    const sink = new CollectingSink();
    const logger = new MemoryLogger();
    const receiver = new HeartbeatReceiver({ bindIp: '127.0.0.1', bindPort: 0, heartbeatKey: KEY, decodeThreads: 2, sockRlimit: 0 }, sink, new MetricsRegistry(), logger);
    await receiver.start();
    const sender = createSocket('udp4');
    try {
      const { port } = receiver.address();
      const id = randomUUID();
      const listener = randomUUID();
      // The binding thread ends (as if it crashed): its end closes the descriptor the other thread wraps.
      await (receiver as unknown as { workers: Worker[] }).workers[0].terminate();
      await until(() => logger.entries.some((e) => e.msg === 'heartbeat receiving threads restarted'), 10000);
      expect(receiver.receivingThreads()).toBe(2);
      expect(receiver.address().port).toBe(port);
      let rx = 0;
      const timer = setInterval(() => sender.send(heartbeat(id, listener, ++rx), port, '127.0.0.1'), 10);
      try {
        await until(() => sink.seen.filter((s) => s.id === id).length >= 20, 10000);
      } finally {
        clearInterval(timer);
      }
      expect(logger.entries.find((e) => e.msg === 'a heartbeat receiving thread ended; restarting the receiving threads')).toMatchObject({ level: 'error', thread: 0 });
    } finally {
      sender.close();
      await receiver.stop();
    }
  });
});

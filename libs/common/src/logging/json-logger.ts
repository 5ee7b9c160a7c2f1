import { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Structured logging: one JSON object per line on stdout, so operators can ship logs without parsing text. */
export class JsonLogger implements LoggerService {
  constructor(private readonly service: string, private readonly minLevel: Level = 'info') {}

  private emit(level: Level, message: unknown, context?: unknown, extra?: Record<string, unknown>): void {
    const order: Level[] = ['debug', 'info', 'warn', 'error'];
    if (order.indexOf(level) < order.indexOf(this.minLevel)) return;
    const entry: Record<string, unknown> = { ts: new Date().toISOString(), level, service: this.service };
    if (typeof context === 'string') entry.context = context;
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    if (extra) Object.assign(entry, extra);
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }

  log(message: unknown, context?: string): void { this.emit('info', message, context); }
  info(message: unknown, extra?: Record<string, unknown>): void { this.emit('info', message, undefined, extra); }
  error(message: unknown, trace?: string, context?: string): void {
    this.emit('error', message, context, trace ? { trace } : undefined);
  }
  warn(message: unknown, context?: string): void { this.emit('warn', message, context); }
  debug(message: unknown, context?: string): void { this.emit('debug', message, context); }
  verbose(message: unknown, context?: string): void { this.emit('debug', message, context); }
}

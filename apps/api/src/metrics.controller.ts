import { Controller, Get, Header, Inject } from '@nestjs/common';
import { MetricsRegistry } from '../../../libs/common/src';


@Controller()
export class MetricsController {
  constructor(@Inject(Symbol.for('octavia-ts.api-metrics')) private readonly metrics: MetricsRegistry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  render(): string {
    return this.metrics.render();
  }
}

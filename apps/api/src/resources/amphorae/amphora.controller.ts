import { Controller, Delete, Get, HttpCode, Param, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { withFields } from '../../core/field-selection';
import { AmphoraService } from './amphora.service';

/** Only under `/v2/octavia`, never under `/v2/lbaas` (spec 1.1). */
@Controller('v2/octavia/amphorae')
export class AmphoraController {
  constructor(private readonly service: AmphoraService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { amphora: withFields(await this.service.show(ctx, id), fields) };
  }

  @Get(':id/stats')
  stats(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.service.stats(ctx, id);
  }

  @Put(':id/config')
  @HttpCode(202)
  async configure(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.configure(ctx, id);
  }

  @Put(':id/failover')
  @HttpCode(202)
  async failover(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.failover(ctx, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

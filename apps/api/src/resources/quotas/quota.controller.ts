import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { QuotaDto } from './quota.dto';
import { QuotaService } from './quota.service';

@Controller('v2/quotas')
export class QuotaController {
  constructor(private readonly service: QuotaService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  /** What `openstack loadbalancer quota defaults show` calls: the configured defaults (spec 9.8, trap 6). */
  @Get('defaults')
  defaults(@Ctx() ctx: RequestContext) {
    return { quota: this.service.configuredDefaults(ctx, undefined) };
  }

  @Get(':projectId')
  async show(@Param('projectId') projectId: string, @Ctx() ctx: RequestContext) {
    return { quota: await this.service.show(ctx, projectId) };
  }

  @Get(':projectId/default')
  projectDefaults(@Param('projectId') projectId: string, @Ctx() ctx: RequestContext) {
    return { quota: this.service.configuredDefaults(ctx, projectId) };
  }

  @Put(':projectId')
  @HttpCode(202)
  async set(@Param('projectId') projectId: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(QuotaDto, body, 'quota', 'quotas');
    return { quota: await this.service.set(ctx, projectId, value, present) };
  }

  @Delete(':projectId')
  @HttpCode(202)
  async reset(@Param('projectId') projectId: string, @Ctx() ctx: RequestContext) {
    await this.service.reset(ctx, projectId);
  }
}

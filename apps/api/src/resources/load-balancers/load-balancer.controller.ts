import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { coerceBool } from '../../validation/fields';
import { LoadBalancerCreateDto, LoadBalancerUpdateDto } from '../dto/dtos';
import { LoadBalancerService } from './load-balancer.service';
import { withFields } from '../../core/field-selection';

@Controller('v2/loadbalancers')
export class LoadBalancerController {
  constructor(private readonly service: LoadBalancerService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(LoadBalancerCreateDto, body, 'loadbalancer', 'load_balancer');
    return { loadbalancer: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { loadbalancer: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(LoadBalancerUpdateDto, body, 'loadbalancer', 'load_balancer');
    return { loadbalancer: await this.service.update(ctx, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Query('cascade') cascade: string | undefined, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id, cascade !== undefined && coerceBool(cascade.toLowerCase()) === true);
  }

  @Get(':id/stats')
  stats(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.service.stats(ctx, id);
  }

  @Get([':id/status', ':id/statuses'])
  status(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.service.status(ctx, id);
  }

  @Put(':id/failover')
  @HttpCode(202)
  async failover(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.failover(ctx, id);
  }
}

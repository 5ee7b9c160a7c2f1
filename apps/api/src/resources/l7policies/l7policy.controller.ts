import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { withFields } from '../../core/field-selection';
import { L7PolicyCreateDto, L7PolicyUpdateDto } from './l7policy.dto';
import { L7PolicyService } from './l7policy.service';

@Controller('v2/l7policies')
export class L7PolicyController {
  constructor(private readonly service: L7PolicyService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(L7PolicyCreateDto, body, 'l7policy', 'l7policy');
    return { l7policy: await this.service.create(ctx, value, present) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { l7policy: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(L7PolicyUpdateDto, body, 'l7policy', 'l7policy');
    return { l7policy: await this.service.update(ctx, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { PoolCreateDto, PoolUpdateDto } from '../dto/dtos';
import { withFields } from '../../core/field-selection';
import { PoolService } from './pool.service';

@Controller('v2/pools')
export class PoolController {
  constructor(private readonly service: PoolService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(PoolCreateDto, body, 'pool', 'pool');
    return { pool: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { pool: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(PoolUpdateDto, body, 'pool', 'pool');
    return { pool: await this.service.update(ctx, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

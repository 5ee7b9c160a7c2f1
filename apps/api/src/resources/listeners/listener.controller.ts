import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { ListenerCreateDto, ListenerUpdateDto } from '../dto/dtos';
import { withFields } from '../../core/field-selection';
import { ListenerService } from './listener.service';

@Controller('v2/listeners')
export class ListenerController {
  constructor(private readonly service: ListenerService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(ListenerCreateDto, body, 'listener', 'listener');
    return { listener: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { listener: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, present } = parseBody(ListenerUpdateDto, body, 'listener', 'listener');
    return { listener: await this.service.update(ctx, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }

  @Get(':id/stats')
  stats(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.service.stats(ctx, id);
  }
}

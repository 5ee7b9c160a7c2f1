import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { ApiFault } from '../../common/api-fault';
import { parseBody, validateObject } from '../../validation/parse-body';
import { coerceBool, quoteValue } from '../../validation/fields';
import { MemberCreateDto, MemberUpdateDto } from '../dto/dtos';
import { withFields } from '../../core/field-selection';
import { BatchItem } from './member-batch';
import { MemberService } from './member.service';

/** `{"members": [<member create objects>]}`, each item checked like a single member create. */
function parseBatchBody(body: unknown): BatchItem[] {
  if (body === undefined || body === null) throw ApiFault.badRequest('Missing argument: "members"');
  const envelope = body as Record<string, unknown>;
  const extra = Object.keys(envelope).filter((k) => k !== 'members');
  if (extra.length) throw ApiFault.badRequest(`Unknown attribute${extra.length > 1 ? 's' : ''} for argument members: ${extra.join(', ')}`);
  const list = envelope.members;
  if (list === undefined) throw ApiFault.validation('No members object supplied.');
  if (!Array.isArray(list)) {
    throw ApiFault.badRequest(`Invalid input for field/attribute members. Value: '${quoteValue(list)}'. Value not a valid list: ${quoteValue(list)}`);
  }
  return list.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw ApiFault.badRequest(`Invalid input for field/attribute members. Value: '${quoteValue(item)}'. Value should be an object`);
    }
    return validateObject(MemberCreateDto, item as Record<string, unknown>, 'members.members');
  });
}

@Controller('v2/pools/:poolId/members')
export class MemberController {
  constructor(private readonly service: MemberService) {}

  @Get()
  async list(@Param('poolId') poolId: string, @Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx, await this.service.pool(poolId));
  }

  @Post()
  async create(@Param('poolId') poolId: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const pool = await this.service.pool(poolId);
    const { value } = parseBody(MemberCreateDto, body, 'member', 'member');
    return { member: await this.service.create(ctx, pool, value) };
  }

  @Put()
  @HttpCode(202)
  async batchUpdate(@Param('poolId') poolId: string, @Query('additive_only') additiveOnly: string | undefined, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const pool = await this.service.pool(poolId);
    const items = parseBatchBody(body);
    await this.service.batchUpdate(ctx, pool, items, additiveOnly !== undefined && coerceBool(String(additiveOnly).toLowerCase()) === true);
  }

  @Get(':id')
  async show(@Param('poolId') poolId: string, @Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { member: withFields(await this.service.show(ctx, await this.service.pool(poolId), id), fields) };
  }

  @Put(':id')
  async update(@Param('poolId') poolId: string, @Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const pool = await this.service.pool(poolId);
    const { value, present } = parseBody(MemberUpdateDto, body, 'member', 'member');
    return { member: await this.service.update(ctx, pool, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('poolId') poolId: string, @Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, await this.service.pool(poolId), id);
  }
}

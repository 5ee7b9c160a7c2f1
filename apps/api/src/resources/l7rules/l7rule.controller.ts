import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { parseBody } from '../../validation/parse-body';
import { withFields } from '../../core/field-selection';
import { L7RuleCreateDto, L7RuleUpdateDto } from '../dto/dtos';
import { L7RuleService } from './l7rule.service';

/** L7 rules use the root keys `rule` / `rules` (not `l7rule`, spec 1.2). */
@Controller('v2/l7policies/:policyId/rules')
export class L7RuleController {
  constructor(private readonly service: L7RuleService) {}

  @Get()
  async list(@Param('policyId') policyId: string, @Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx, await this.service.policy(policyId));
  }

  @Post()
  async create(@Param('policyId') policyId: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const policy = await this.service.policy(policyId);
    const { value } = parseBody(L7RuleCreateDto, body, 'rule', 'rule');
    return { rule: await this.service.create(ctx, policy, value) };
  }

  @Get(':id')
  async show(@Param('policyId') policyId: string, @Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { rule: withFields(await this.service.show(ctx, await this.service.policy(policyId), id), fields) };
  }

  @Put(':id')
  async update(@Param('policyId') policyId: string, @Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const policy = await this.service.policy(policyId);
    const { value, present } = parseBody(L7RuleUpdateDto, body, 'rule', 'rule');
    return { rule: await this.service.update(ctx, policy, id, value, present) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('policyId') policyId: string, @Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, await this.service.policy(policyId), id);
  }
}

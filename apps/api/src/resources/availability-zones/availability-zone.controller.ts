import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { withFields } from '../../core/field-selection';
import { parseBody } from '../../validation/parse-body';
import { AvailabilityZoneCreateDto, AvailabilityZoneProfileCreateDto, AvailabilityZoneProfileUpdateDto, AvailabilityZoneUpdateDto } from './availability-zone.dto';
import { AvailabilityZoneProfileService } from './availability-zone-profile.service';
import { AvailabilityZoneService } from './availability-zone.service';

@Controller('v2/availabilityzones')
export class AvailabilityZoneController {
  constructor(private readonly service: AvailabilityZoneService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(AvailabilityZoneCreateDto, body, 'availability_zone', 'availability_zone_');
    return { availability_zone: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { availability_zone: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, raw } = parseBody(AvailabilityZoneUpdateDto, body, 'availability_zone', 'availability_zone_');
    return { availability_zone: await this.service.update(ctx, id, value, raw) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

@Controller('v2/availabilityzoneprofiles')
export class AvailabilityZoneProfileController {
  constructor(private readonly service: AvailabilityZoneProfileService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(AvailabilityZoneProfileCreateDto, body, 'availability_zone_profile', 'availability_zone_profile_');
    return { availability_zone_profile: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { availability_zone_profile: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, raw } = parseBody(AvailabilityZoneProfileUpdateDto, body, 'availability_zone_profile', 'availability_zone_profile_');
    return { availability_zone_profile: await this.service.update(ctx, id, value, raw) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Ctx, RequestContext } from '../../auth/request-context';
import { withFields } from '../../core/field-selection';
import { parseBody } from '../../validation/parse-body';
import { FlavorCreateDto, FlavorProfileCreateDto, FlavorProfileUpdateDto, FlavorUpdateDto } from './flavor.dto';
import { FlavorProfileService } from './flavor-profile.service';
import { FlavorService } from './flavor.service';

@Controller('v2/flavors')
export class FlavorController {
  constructor(private readonly service: FlavorService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(FlavorCreateDto, body, 'flavor', 'flavor_');
    return { flavor: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { flavor: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, raw } = parseBody(FlavorUpdateDto, body, 'flavor', 'flavor_');
    return { flavor: await this.service.update(ctx, id, value, raw) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

@Controller('v2/flavorprofiles')
export class FlavorProfileController {
  constructor(private readonly service: FlavorProfileService) {}

  @Get()
  list(@Req() req: Request, @Ctx() ctx: RequestContext) {
    return this.service.list(req, ctx);
  }

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(FlavorProfileCreateDto, body, 'flavorprofile', 'flavorprofile_');
    return { flavorprofile: await this.service.create(ctx, value) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Query('fields') fields: unknown, @Ctx() ctx: RequestContext) {
    return { flavorprofile: withFields(await this.service.show(ctx, id), fields) };
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value, raw } = parseBody(FlavorProfileUpdateDto, body, 'flavorprofile', 'flavorprofile_');
    return { flavorprofile: await this.service.update(ctx, id, value, raw) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    await this.service.delete(ctx, id);
  }
}

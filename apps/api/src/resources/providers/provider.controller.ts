import { Controller, Get, Param, Query } from '@nestjs/common';
import { Ctx, RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { withFields } from '../../core/field-selection';
import { ProviderCatalog } from './provider-catalog';

type Item = { name: string; description: string };

/** Exact-match `name` / `description` filters; every other query parameter is ignored here (spec 8.4). */
function filtered(items: Item[], query: Record<string, unknown>): Item[] {
  const one = (v: unknown) => (Array.isArray(v) ? String(v[v.length - 1]) : v === undefined ? undefined : String(v));
  const name = one(query.name);
  const description = one(query.description);
  return items.filter((i) => (name === undefined || i.name === name) && (description === undefined || i.description === description));
}

/** Providers and their capabilities (spec 9.9): plain lists, no pagination or links. */
@Controller('v2/providers')
export class ProviderController {
  constructor(private readonly catalog: ProviderCatalog, private readonly core: ApiCore) {}

  @Get()
  list(@Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'read');
    return { providers: this.catalog.list().map((p) => withFields(p, query.fields)) };
  }

  @Get(':provider/flavor_capabilities')
  flavorCapabilities(@Param('provider') provider: string, @Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const caps = filtered(this.catalog.capabilities(provider, 'flavor'), query);
    return { flavor_capabilities: caps.map((c) => withFields(c, query.fields)) };
  }

  @Get(':provider/availability_zone_capabilities')
  azCapabilities(@Param('provider') provider: string, @Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const caps = filtered(this.catalog.capabilities(provider, 'availabilityZone'), query);
    return { availability_zone_capabilities: caps.map((c) => withFields(c, query.fields)) };
  }
}

/**
 * Which upstream policy actions (`os_load-balancer_api:<object>:<action>`) a request is subject to,
 * worked out from its method and (normalised, `/v2/...`) path and body. The resource services ask the
 * PolicyService for a generic rule ("read", "write", ...); the service then evaluates the action rules of
 * the request that stand for that kind, so an operator's per-action overrides apply everywhere.
 */

const TOP: Record<string, string> = {
  loadbalancers: 'loadbalancer',
  listeners: 'listener',
  pools: 'pool',
  healthmonitors: 'healthmonitor',
  l7policies: 'l7policy',
  quotas: 'quota',
  providers: 'provider',
  flavors: 'flavor',
  flavorprofiles: 'flavor-profile',
  availabilityzones: 'availability-zone',
  availabilityzoneprofiles: 'availability-zone-profile',
  amphorae: 'amphora',
};

function crud(method: string, hasId: boolean): string[] {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return [hasId ? 'get_one' : 'get_all'];
    case 'POST':
      return hasId ? [] : ['post'];
    case 'PUT':
      return hasId ? ['put'] : [];
    case 'DELETE':
      return hasId ? ['delete'] : [];
    default:
      return [];
  }
}

function truthy(v: unknown): boolean {
  return typeof v === 'string' ? /^(true|1|yes|on)$/i.test(v) : v === true;
}

/** The action names (without the `os_load-balancer_api:` prefix) a request is checked against. */
export function actionsFor(method: string, path: string, query: Record<string, unknown> = {}, body?: unknown): string[] {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  if (parts[0] !== 'v2') return [];
  let rest = parts.slice(1);
  if (rest[0] === 'lbaas') rest = rest.slice(1);
  if (rest[0] === 'octavia' && rest[1] === 'amphorae') rest = rest.slice(1);
  const object = TOP[rest[0]];
  if (!object) return [];
  const [, id, sub, subId, leaf] = rest;
  const m = method.toUpperCase();
  const withKey = (base: string[], key: string) => {
    const b = body && typeof body === 'object' ? (body as Record<string, Record<string, unknown>>)[object] : undefined;
    return b && typeof b === 'object' && key in b ? [...base, ...base.filter((a) => a === 'post' || a === 'put').map((a) => `${a}:${key}`)] : base;
  };

  if (object === 'pool' && id && sub === 'members') {
    if (subId) return leaf ? [] : crud(m, true).map((a) => `member:${a}`);
    if (m === 'PUT') return ['member:post', 'member:put', ...(truthy(query.additive_only) ? [] : ['member:delete'])];
    return crud(m, false).map((a) => `member:${a}`);
  }
  if (object === 'l7policy' && id && sub === 'rules') {
    if (subId) return leaf ? [] : crud(m, true).map((a) => `l7rule:${a}`);
    return crud(m, false).map((a) => `l7rule:${a}`);
  }
  if (object === 'quota' && id && sub === 'default' && (m === 'GET' || m === 'HEAD')) return ['quota:get_defaults'];
  if (object === 'provider' && id) {
    if (sub === 'flavor_capabilities') return ['provider-flavor:get_all'];
    if (sub === 'availability_zone_capabilities') return ['provider-availability-zone:get_all'];
    return [];
  }
  if (id && sub) {
    if (sub === 'stats' && (m === 'GET' || m === 'HEAD')) return [`${object}:get_stats`];
    if (sub === 'status' && object === 'loadbalancer' && (m === 'GET' || m === 'HEAD')) return ['loadbalancer:get_status'];
    if (sub === 'failover' && m === 'PUT') return [`${object}:put_failover`];
    if (sub === 'config' && object === 'amphora' && m === 'PUT') return ['amphora:put_config'];
    return [];
  }
  const base = crud(m, Boolean(id));
  return (object === 'loadbalancer' ? withKey(base, 'vip_sg_ids') : base).map((a) => `${object}:${a}`);
}

import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { OctaviaConfig } from '../../../../libs/common/src';
import { NetworkEntity, PortEntity, SubnetEntity } from '../../../../libs/database/src';
import { NeutronQueryError, neutronList } from './neutron-query';
import { networkView, portView, projectView, subnetView } from './views';

/**
 * Standalone mode (no OpenStack around us): the API itself answers the read-only Neutron and Keystone
 * look-ups the `openstack` CLI makes before its load-balancer calls (subnet/network/port names → ids,
 * `--project` names → ids), built from the local network driver's tables. Then a clouds.yaml with just
 * `auth_type: none` and `auth: {endpoint: http://<api>}` is enough for `openstack loadbalancer ...`.
 *
 * Served on the API's own port, next to the Octavia routes:
 *   Neutron  GET [/networking]/v2.0/{networks,subnets,ports}[/{id}]  (+ qos/policies, always empty); also
 *            under /v2/, where openstacksdk-based commands (`openstack subnet show`) land after reading
 *            Octavia's version document at the bare endpoint
 *            GET /networking, /networking/v2.0                        (discovery, for openstacksdk)
 *   Keystone GET [/identity][/v3]/projects[/{id}]                      (with auth_type none the CLI uses the bare endpoint)
 *            GET /identity, /identity/v3, /v3                          (discovery)
 * Both prefixes answer both services: with `auth_type: none`, octaviaclient sends its Neutron look-ups to
 * the auth endpoint, whatever `network_endpoint_override` says.
 * The bare forms share the URL space with Octavia's (`/v2.0/lbaas/...`) without overlapping it.
 *
 * Only in `noauth` and `testing` modes: with `keystone` a real cloud answers these look-ups.
 *
 * Projects: in standalone mode a project is only a label on objects, so every well-formed project id is a
 * project whose name is itself; listing without a filter shows the projects that own something here.
 */

const NEUTRON = /^(?:\/networking|\/identity)?\/v2(?:\.0)?\/(networks|subnets|ports|qos\/policies)(?:\/([^/]+))?$/;
const KEYSTONE = /^(?:\/identity|\/networking)?(?:\/v3)?\/projects(?:\/([^/]+))?$/;
const PROJECT_ID = /^[A-Za-z0-9_-]{1,36}$/;

type Send = (status: number, body: unknown) => void;

export function createStandaloneLookups(config: OctaviaConfig, app: INestApplication) {
  if (config.api.authStrategy === 'keystone') return undefined;
  let ds: DataSource | undefined;
  const dataSource = (): DataSource => {
    ds ??= app.get(DataSource);
    return ds!;
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    const q = req.url.indexOf('?');
    const path = (q < 0 ? req.url : req.url.slice(0, q)).replace(/\.json$/, '').replace(/(.)\/+$/, '$1');
    const neutron = NEUTRON.exec(path);
    const keystone = neutron ? null : KEYSTONE.exec(path);
    const discovery = ['/networking', '/networking/v2.0', '/identity', '/identity/v3', '/v3'].includes(path);
    if (!neutron && !keystone && !discovery) {
      next();
      return;
    }
    const base = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
    const send: Send = (status, body) => {
      res.status(status).type('application/json').send(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      if (keystone || path.startsWith('/identity') || path === '/v3') {
        send(405, { error: { code: 405, title: 'Method Not Allowed', message: 'Standalone mode only answers read-only identity look-ups.' } });
      } else {
        send(405, { NeutronError: { type: 'HTTPMethodNotAllowed', message: 'Standalone mode only answers read-only network look-ups.', detail: '' } });
      }
      return;
    }
    req.resume();
    const query: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))) (query[k] ??= []).push(v);

    let work: Promise<void>;
    if (discovery) work = Promise.resolve(discoveryDocument(path, base, send));
    else if (neutron) work = answerNeutron(dataSource(), neutron[1], neutron[2] ? decodeURIComponent(neutron[2]) : undefined, query, base, path, send);
    else work = answerKeystone(dataSource(), keystone![1] ? decodeURIComponent(keystone![1]) : undefined, query, base, send);
    work.catch((err: unknown) => {
      if (err instanceof NeutronQueryError) {
        send(400, { NeutronError: { type: 'HTTPBadRequest', message: err.message, detail: '' } });
        return;
      }
      next(err);
    });
  };
}

function discoveryDocument(path: string, base: string, send: Send): void {
  if (path === '/networking') {
    send(200, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${base}/networking/v2.0/`, rel: 'self' }] }] });
  } else if (path === '/networking/v2.0') {
    send(200, {
      resources: ['network', 'subnet', 'port'].map((name) => ({ name, collection: `${name}s`, links: [{ href: `${base}/networking/v2.0/${name}s`, rel: 'self' }] })),
    });
  } else {
    const root = path === '/v3' ? base : `${base}/identity`;
    const v3 = {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${root}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
    send(200, path === '/identity' ? { versions: { values: [v3] } } : { version: v3 });
  }
}

async function answerNeutron(ds: DataSource, collection: string, id: string | undefined, query: Record<string, string[]>, base: string, path: string, send: Send): Promise<void> {
  if (collection === 'qos/policies') {
    if (id) send(404, { NeutronError: { type: 'QosPolicyNotFound', message: `QoS policy ${id} could not be found.`, detail: '' } });
    else send(200, { policies: [] });
    return;
  }
  const singular = collection.slice(0, -1);
  const items = await loadNeutron(ds, collection, id);
  if (id) {
    const item = items[0];
    if (!item) {
      const label = singular.charAt(0).toUpperCase() + singular.slice(1);
      send(404, { NeutronError: { type: `${label}NotFound`, message: `${label} ${id} could not be found.`, detail: '' } });
      return;
    }
    const fields = query.fields;
    send(200, { [singular]: fields ? Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]])) : item });
    return;
  }
  const page = neutronList(items, query, `${base}${path}`);
  send(200, { [collection]: page.items, ...(page.links.length ? { [`${collection}_links`]: page.links } : {}) });
}

async function loadNeutron(ds: DataSource, collection: string, id: string | undefined): Promise<Array<Record<string, unknown> & { id: string }>> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (id !== undefined && !uuid.test(id)) return [];
  const where = id ? { id } : {};
  if (collection === 'networks') {
    const networks = await ds.getRepository(NetworkEntity).find({ where, order: { id: 'ASC' } });
    const subnets = await ds.getRepository(SubnetEntity).find({ select: { id: true, networkId: true }, order: { id: 'ASC' } });
    return networks.map((n) => networkView(n, subnets.filter((s) => s.networkId === n.id).map((s) => s.id)));
  }
  if (collection === 'subnets') {
    return (await ds.getRepository(SubnetEntity).find({ where, order: { id: 'ASC' } })).map(subnetView);
  }
  return (await ds.getRepository(PortEntity).find({ where, order: { id: 'ASC' } })).map(portView);
}

async function knownProjects(ds: DataSource): Promise<string[]> {
  const rows: Array<{ project_id: string }> = await ds.query(
    `SELECT project_id FROM load_balancer WHERE project_id IS NOT NULL
     UNION SELECT project_id FROM network WHERE project_id IS NOT NULL
     UNION SELECT project_id FROM subnet WHERE project_id IS NOT NULL
     UNION SELECT project_id FROM port WHERE project_id IS NOT NULL
     ORDER BY project_id`,
  );
  return rows.map((r) => r.project_id);
}

async function answerKeystone(ds: DataSource, id: string | undefined, query: Record<string, string[]>, base: string, send: Send): Promise<void> {
  if (id !== undefined) {
    if (!PROJECT_ID.test(id)) {
      send(404, { error: { code: 404, title: 'Not Found', message: `Could not find project: ${id}.` } });
      return;
    }
    send(200, { project: projectView(id, base) });
    return;
  }
  const names = query.name;
  const ids = names ? names.filter((n) => PROJECT_ID.test(n)) : await knownProjects(ds);
  let projects = [...new Set(ids)].map((p) => projectView(p, base));
  for (const [key, values] of Object.entries(query)) {
    if (key === 'name') continue;
    projects = projects.filter((p) => !(key in p) || values.includes(String((p as Record<string, unknown>)[key])));
  }
  send(200, { projects, links: { self: `${base}/v3/projects`, previous: null, next: null } });
}

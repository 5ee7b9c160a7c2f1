import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * NeutronKeystoneStandIn — a stand-in for the Neutron and Keystone services of a real cloud, which these
 * tests cannot reach. `openstack loadbalancer ...` resolves subnet, network, port, QoS policy and project
 * names/ids through those services before it calls the load-balancer API; this server answers exactly
 * those read-only look-ups, with the object shapes Neutron (v2.0) and Keystone (v3) return, from fixtures
 * the test supplies. Every other request is answered 404/405 and recorded in `unexpected`, so a test can
 * fail when the client starts asking for something the stand-in does not model.
 */

export interface StandInNetwork {
  id: string;
  name: string;
  project_id: string;
}

export interface StandInSubnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  project_id: string;
  gateway_ip?: string | null;
}

export interface StandInPort {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  fixed_ips: Array<{ subnet_id: string; ip_address: string }>;
  device_id?: string;
  device_owner?: string;
}

export interface StandInProject {
  id: string;
  name: string;
  domain_id?: string;
}

export interface StandInFixtures {
  networks?: StandInNetwork[];
  subnets?: StandInSubnet[];
  ports?: StandInPort[];
  projects?: StandInProject[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
}

const TIMESTAMP = '2024-05-02T10:11:12Z';
const MAC_PREFIX = 'fa:16:3e';

/** Neutron's network object (GET /v2.0/networks). */
function networkView(n: StandInNetwork, subnets: StandInSubnet[]) {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.project_id,
    project_id: n.project_id,
    admin_state_up: true,
    status: 'ACTIVE',
    subnets: subnets.filter((s) => s.network_id === n.id).map((s) => s.id),
    shared: false,
    'router:external': false,
    mtu: 1450,
    port_security_enabled: true,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    description: '',
    tags: [],
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    revision_number: 1,
  };
}

/** Neutron's subnet object (GET /v2.0/subnets). */
function subnetView(s: StandInSubnet) {
  return {
    id: s.id,
    name: s.name,
    network_id: s.network_id,
    tenant_id: s.project_id,
    project_id: s.project_id,
    cidr: s.cidr,
    ip_version: s.ip_version,
    gateway_ip: s.gateway_ip ?? null,
    allocation_pools: [],
    enable_dhcp: true,
    dns_nameservers: [],
    host_routes: [],
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    subnetpool_id: null,
    service_types: [],
    segment_id: null,
    description: '',
    tags: [],
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    revision_number: 0,
  };
}

/** Neutron's port object (GET /v2.0/ports). */
function portView(p: StandInPort, index: number) {
  return {
    id: p.id,
    name: p.name,
    network_id: p.network_id,
    tenant_id: p.project_id,
    project_id: p.project_id,
    fixed_ips: p.fixed_ips,
    mac_address: `${MAC_PREFIX}:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`,
    admin_state_up: true,
    status: p.device_id ? 'ACTIVE' : 'DOWN',
    device_id: p.device_id ?? '',
    device_owner: p.device_owner ?? '',
    security_groups: [],
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    binding_vnic_type: 'normal',
    port_security_enabled: true,
    qos_policy_id: null,
    description: '',
    tags: [],
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    revision_number: 1,
  };
}

/** Keystone v3's project object. */
function projectView(p: StandInProject, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id ?? 'default',
    description: '',
    enabled: true,
    parent_id: p.domain_id ?? 'default',
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

/** Neutron list semantics: every query parameter is an exact-match filter; repeated values are ORed; `fields` selects keys. */
function neutronFilter<T extends Record<string, unknown>>(items: T[], query: Record<string, string[]>): Array<Partial<T>> {
  const fields = query.fields;
  const filtered = items.filter((item) =>
    Object.entries(query).every(([key, values]) => {
      if (key === 'fields' || key === 'limit' || key === 'marker' || key === 'sort_key' || key === 'sort_dir') return true;
      if (!(key in item)) return false;
      return values.some((v) => String(item[key]) === v);
    }),
  );
  if (!fields) return filtered;
  return filtered.map((item) => Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]])) as Partial<T>);
}

export class NeutronKeystoneStandIn {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests the stand-in does not model (answered 404/405). */
  readonly unexpected: RecordedRequest[] = [];
  private server?: Server;
  private baseUrl = '';

  constructor(private readonly fixtures: StandInFixtures) {}

  get url(): string {
    if (!this.baseUrl) throw new Error('NeutronKeystoneStandIn is not started');
    return this.baseUrl;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server!.close((err) => (err ? reject(err) : resolve())));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const path = url.pathname.replace(/\/+$/, '').replace(/\.json$/, '') || '/';
    const record: RecordedRequest = { method: req.method ?? 'GET', path, query };
    this.requests.push(record);
    req.resume();

    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-openstack-request-id': `req-${randomUUID()}`,
      });
      res.end(text);
    };
    if (record.method !== 'GET' && record.method !== 'HEAD') {
      this.unexpected.push(record);
      send(405, { NeutronError: { type: 'HTTPMethodNotAllowed', message: 'The stand-in only answers read-only look-ups.', detail: '' } });
      return;
    }
    const answer = this.route(path, query);
    if (!answer) {
      this.unexpected.push(record);
      send(404, { NeutronError: { type: 'HTTPNotFound', message: 'The resource could not be found.', detail: '' } });
      return;
    }
    send(answer.status, answer.body);
  }

  private route(path: string, query: Record<string, string[]>): { status: number; body: unknown } | undefined {
    const f = this.fixtures;
    const subnets = f.subnets ?? [];
    const collections: Record<string, { singular: string; notFound: string; items: () => Array<Record<string, unknown> & { id: string }> }> = {
      networks: { singular: 'network', notFound: 'NetworkNotFound', items: () => (f.networks ?? []).map((n) => networkView(n, subnets)) },
      subnets: { singular: 'subnet', notFound: 'SubnetNotFound', items: () => subnets.map(subnetView) },
      ports: { singular: 'port', notFound: 'PortNotFound', items: () => (f.ports ?? []).map(portView) },
      'qos/policies': { singular: 'policy', notFound: 'QosPolicyNotFound', items: () => [] },
    };

    // Neutron's version document: openstacksdk-based commands (`openstack subnet show`) discover it
    // through `network_endpoint_override`.
    if (path === '/') {
      return { status: 200, body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${this.baseUrl}/v2.0/`, rel: 'self' }] }] } };
    }
    if (path === '/v2.0') {
      return { status: 200, body: { resources: Object.entries(collections).map(([collection, c]) => ({ name: c.singular, collection, links: [{ href: `${this.baseUrl}/v2.0/${collection}`, rel: 'self' }] })) } };
    }

    // Neutron v2.0
    const neutron = /^\/v2\.0\/(networks|subnets|ports|qos\/policies)(?:\/([^/]+))?$/.exec(path);
    if (neutron) {
      const c = collections[neutron[1]];
      if (!neutron[2]) {
        const key = neutron[1] === 'qos/policies' ? 'policies' : neutron[1];
        return { status: 200, body: { [key]: neutronFilter(c.items(), query) } };
      }
      const item = c.items().find((i) => i.id === neutron[2]);
      if (!item) {
        const label = c.singular.charAt(0).toUpperCase() + c.singular.slice(1);
        return { status: 404, body: { NeutronError: { type: c.notFound, message: `${label} ${neutron[2]} could not be found.`, detail: '' } } };
      }
      return { status: 200, body: { [c.singular]: item } };
    }

    // Keystone v3 projects. With `auth_type: none` the client sends identity calls to the bare auth
    // endpoint (no version discovery), so `/projects` is served as well as `/v3/projects`.
    const keystone = /^(?:\/v3)?\/projects(?:\/([^/]+))?$/.exec(path);
    if (keystone) {
      const projects = (f.projects ?? []).map((p) => projectView(p, this.baseUrl));
      if (!keystone[1]) {
        const matching = projects.filter((p) => Object.entries(query).every(([k, v]) => !(k in p) || v.includes(String((p as Record<string, unknown>)[k]))));
        return { status: 200, body: { projects: matching, links: { self: `${this.baseUrl}${path}`, previous: null, next: null } } };
      }
      const project = projects.find((p) => p.id === keystone[1]);
      if (!project) {
        return { status: 404, body: { error: { code: 404, title: 'Not Found', message: `Could not find project: ${keystone[1]}.` } } };
      }
      return { status: 200, body: { project } };
    }
    return undefined;
  }
}

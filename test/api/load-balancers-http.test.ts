import { startTestApi, TestApi } from '../support/api-harness';
import { LB, REQUEST_ID, SUBNET_ID, createLb, expectFault, headerOf, rawRequest, rowCounts } from './lb-helpers';

/**
 * The HTTP surface around the load balancer routes: version discovery (spec 3), URL aliases (1.1), the
 * fault shape and request ids (2.6, 6), content negotiation and body limits (2.1), and hostile input that
 * must be refused with a 4xx, never a 500, without writing anything.
 */

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

describe('version discovery', () => {
  test('GET / lists v2.0 … v2.30, only the last CURRENT, each pointing at <base>/v2', async () => {
    const res = await t.call('GET', '/', undefined, { 'x-project-id': '' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-openstack-request-id')).toMatch(REQUEST_ID);
    const versions = res.body.versions as Array<Record<string, unknown>>;
    expect(Object.keys(res.body)).toEqual(['versions']);
    expect(versions).toHaveLength(31);
    expect(versions.map((v) => v.id)).toEqual(Array.from({ length: 31 }, (_, i) => `v2.${i}`));
    for (const [i, v] of versions.entries()) {
      expect(Object.keys(v).sort()).toEqual(['id', 'links', 'status', 'updated']);
      expect(v.status).toBe(i === 30 ? 'CURRENT' : 'SUPPORTED');
      expect(v.links).toEqual([{ href: `${t.url}/v2`, rel: 'self' }]);
      expect(v.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    expect(versions[0].updated).toBe('2016-12-11T00:00:00Z');
    expect(versions[7].updated).toBe('2018-01-25T12:00:00Z'); // sic: older than v2.6 upstream
    expect(versions[26]).toMatchObject({ id: 'v2.26', updated: '2022-08-29T00:00:00Z' });
    expect(versions[30]).toMatchObject({ id: 'v2.30', updated: '2025-02-26T00:00:00Z' });
  });

  test.each(['/v2', '/v2.0', '/v2/lbaas', '/v2.0/lbaas', '/v2/octavia', '/v2/', '/v2.0/'])('GET %s answers the JSON string "v2"', async (path) => {
    const res = await rawRequest(t.url, { method: 'GET', path, headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('"v2"');
    expect(headerOf(res, 'content-type')).toMatch(/^application\/json/);
  });
});

describe('URL aliases', () => {
  let id: string;
  beforeAll(async () => {
    id = (await createLb(t, 'p-alias', { name: 'aliased' })).id;
  });

  test.each([
    `/v2.0/lbaas/loadbalancers/{id}`, `/v2/lbaas/loadbalancers/{id}`, `/v2/loadbalancers/{id}`, `/v2.0/loadbalancers/{id}`,
    `/v2.0/lbaas/loadbalancers/{id}.json`, `/v2.0/lbaas/loadbalancers/{id}/`,
  ])('GET %s shows the load balancer', async (template) => {
    const res = await t.call('GET', template.replace('{id}', id));
    expect(res.status).toBe(200);
    expect(res.body.loadbalancer).toMatchObject({ id, name: 'aliased' });
  });

  test.each([
    '/v2.0/lbaas/loadbalancers', '/v2.0/lbaas/loadbalancers/', '/v2.0/lbaas/loadbalancers.json', '/v2/loadbalancers', '/v2/lbaas/loadbalancers/',
  ])('GET %s lists the load balancers', async (path) => {
    const res = await t.call('GET', `${path}?project_id=p-alias`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ loadbalancers: [expect.objectContaining({ id, name: 'aliased' })], loadbalancers_links: [] });
  });

  test('writes work through the aliases too', async () => {
    const created = await t.call('POST', '/v2/loadbalancers.json', { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'via-v2' } });
    expect(created.status).toBe(201);
    const lbId = created.body.loadbalancer.id;
    const updated = await t.call('PUT', `/v2/lbaas/loadbalancers/${lbId}/`, { loadbalancer: { name: 'renamed' } });
    expect(updated.status).toBe(200);
    expect(updated.body.loadbalancer.name).toBe('renamed');
    expect((await t.call('DELETE', `/v2.0/loadbalancers/${lbId}`)).status).toBe(204);
  });
});

describe('faults and request ids', () => {
  test('every response carries its own x-openstack-request-id', async () => {
    const a = await t.call('GET', `${LB}?project_id=nobody`);
    const b = await t.call('GET', `${LB}?project_id=nobody`);
    const c = await t.call('GET', '/');
    const ids = [a, b, c].map((r) => r.headers.get('x-openstack-request-id'));
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    expect(new Set(ids).size).toBe(3);
  });

  test('an inbound X-OpenStack-Request-ID does not break the request and a fresh id is answered', async () => {
    const inbound = 'req-11111111-2222-4333-8444-555555555555';
    const res = await t.call('GET', `${LB}?project_id=nobody`, undefined, { 'x-openstack-request-id': inbound });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-openstack-request-id')).toMatch(REQUEST_ID);
  });

  test('an unknown path is a 404 in the fault shape', async () => {
    expectFault(await t.call('GET', '/v2.0/lbaas/bogus'), 404);
    expectFault(await t.call('GET', '/v3/loadbalancers'), 404);
  });

  test.each([['/{id}'], [''], ['/{id}/status']])('PATCH on %s is a 405 in the fault shape (spec 1.1: there is no PATCH)', async (suffix) => {
    const lb = await createLb(t, 'p-fault');
    const before = await rowCounts(t.dbUrl);
    expectFault(await t.call('PATCH', `${LB}${suffix.replace('{id}', lb.id)}`, { loadbalancer: { name: 'x' } }), 405);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test.each([
    ['POST', '/{id}'], ['DELETE', ''], ['PUT', ''], ['POST', '/{id}/status'], ['DELETE', '/{id}/stats'], ['GET', '/{id}/failover'], ['HEAD', '/{id}/bogus'],
  ])('%s on %s is refused in the fault shape (404 or 405) and writes nothing', async (method, suffix) => {
    const lb = await createLb(t, 'p-fault');
    const before = await rowCounts(t.dbUrl);
    const res = await t.call(method, `${LB}${suffix.replace('{id}', lb.id)}`, method === 'POST' || method === 'PUT' ? { loadbalancer: { name: 'x' } } : undefined);
    expect([404, 405]).toContain(res.status);
    if (method !== 'HEAD') expectFault(res, res.status);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
    expect((await t.call('GET', `${LB}/${lb.id}`)).body.loadbalancer.name).toBe('');
  });

  test('an Accept header that rules out JSON is a 406 (upstream >= 12.0.0 shape)', async () => {
    const res = await t.call('GET', LB, undefined, { accept: 'application/xml' });
    expect(res.status).toBe(406);
    expect(res.headers.get('x-openstack-request-id')).toMatch(REQUEST_ID);
    expect(res.body).toEqual({ code: 406, title: 'Not Acceptable', description: 'Only content type application/json is accepted.' });
  });

  test.each(['application/json', '*/*', 'text/html, application/json;q=0.9', 'bogus', ''])('Accept: %p is served as JSON', async (accept) => {
    const res = await t.call('GET', `${LB}?project_id=nobody`, undefined, { accept });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('request bodies the API must refuse with a 4xx', () => {
  const post = (body: string, headers: Record<string, string> = {}) => t.call('POST', LB, body, headers);

  test.each([
    ['truncated JSON', '{"loadbalancer": {', 'Request is not in valid JSON format'],
    ['a trailing comma', '{"loadbalancer": {"vip_subnet_id": "x",}}', 'Request is not in valid JSON format'],
    ['single quotes', "{'loadbalancer': {}}", 'Request is not in valid JSON format'],
    ['NaN', '{"loadbalancer": {"name": NaN}}', 'Request is not in valid JSON format'],
    ['null', 'null', 'Request must be a JSON dict'],
    ['a number', '42', 'Request must be a JSON dict'],
    ['a string', '"loadbalancer"', 'Request must be a JSON dict'],
    ['an array', '[{"loadbalancer": {}}]', 'Request must be a JSON dict'],
    ['true', 'true', 'Request must be a JSON dict'],
  ])('%s', async (_label, body, message) => {
    expectFault(await post(body), 400, message);
  });

  test('a POST without a body names the missing argument', async () => {
    expectFault(await t.call('POST', LB), 400, 'Missing argument: "load_balancer"');
  });

  test.each([
    ['a root that is not an object', { loadbalancer: [] }, undefined],
    ['a root that is a string', { loadbalancer: 'lb' }, undefined],
    ['a name that is a number', { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 123 } }, "Invalid input for field/attribute name. Value: '123'. Value should be string"],
    ['a name that is an object', { loadbalancer: { vip_subnet_id: SUBNET_ID, name: { a: 1 } } }, undefined],
    ['a name over 255 characters', { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'n'.repeat(256) } }, /Value should have a maximum character requirement of 255$/],
    ['an ambiguous boolean', { loadbalancer: { vip_subnet_id: SUBNET_ID, admin_state_up: 'maybe' } }, /Value not an unambiguous boolean: maybe$/],
    ['a boolean in capitals', { loadbalancer: { vip_subnet_id: SUBNET_ID, admin_state_up: 'TRUE' } }, /Value not an unambiguous boolean/],
    ['tags that are not a list', { loadbalancer: { vip_subnet_id: SUBNET_ID, tags: 'a' } }, /Value not a valid list: a$/],
    ['tags that are not strings', { loadbalancer: { vip_subnet_id: SUBNET_ID, tags: [1, 2] } }, undefined],
    ['listeners that are an object', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: { protocol: 'HTTP' } } }, undefined],
    ['a VIP address that is not an IP', { loadbalancer: { vip_subnet_id: SUBNET_ID, vip_address: '300.1.1.1' } }, /Value should be IPv4 or IPv6 format$/],
    ['a subnet id that is not a UUID', { loadbalancer: { vip_subnet_id: 'not-a-uuid' } }, "Invalid input for field/attribute vip_subnet_id. Value: 'not-a-uuid'. Value should be UUID format"],
    ['a network id that is a number', { loadbalancer: { vip_network_id: 42 } }, /Value should be UUID format$/],
    ['a port id with a bad character', { loadbalancer: { vip_port_id: 'g1b2c3d4-0000-4000-8000-000000000001' } }, /Value should be UUID format$/],
    ['a flavor id that is not a UUID', { loadbalancer: { vip_subnet_id: SUBNET_ID, flavor_id: 'small' } }, /Value should be UUID format$/],
    ['security groups that are not UUIDs', { loadbalancer: { vip_subnet_id: SUBNET_ID, vip_sg_ids: ['default'] } }, undefined],
    ['an additional VIP without subnet', { loadbalancer: { vip_subnet_id: SUBNET_ID, additional_vips: [{ ip_address: '192.0.2.1' }] } }, undefined],
    ['an unknown attribute', { loadbalancer: { vip_subnet_id: SUBNET_ID, foo: 1 } }, 'Unknown attribute for argument load_balancer.loadbalancer: foo'],
    ['an unknown top-level key', { loadbalancer: { vip_subnet_id: SUBNET_ID }, extra: true }, 'Unknown attribute for argument load_balancer: extra'],
    ['a read-only id', { loadbalancer: { vip_subnet_id: SUBNET_ID, id: SUBNET_ID } }, 'Unknown attribute for argument load_balancer.loadbalancer: id'],
    ['a read-only status', { loadbalancer: { vip_subnet_id: SUBNET_ID, provisioning_status: 'ACTIVE' } }, 'Unknown attribute for argument load_balancer.loadbalancer: provisioning_status'],
    ['an unknown nested listener attribute', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 80, colour: 'red' }] } }, /Unknown attribute for argument .*listeners: colour$/],
    ['a listener port of 0', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 0 }] } }, /Value should be greater or equal to 1$/],
    ['a listener port of 65536', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 65536 }] } }, /Value should be lower or equal to 65535$/],
    ['a listener port of 1e20', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 1e20 }] } }, undefined],
    ['a listener port of -1', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: -1 }] } }, undefined],
    ['a listener port that is not numeric', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 'http' }] } }, undefined],
    ['a connection limit of -2', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 80, connection_limit: -2 }] } }, /Value should be greater or equal to -1$/],
    ['a timeout above 2073600000', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'HTTP', protocol_port: 80, timeout_client_data: 2073600001 }] } }, /Value should be lower or equal to 2073600000$/],
    ['a protocol in lower case', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'http', protocol_port: 80 }] } }, /Value should be one of: /],
    ['a listener without protocol', { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol_port: 80 }] } }, "Invalid input for field/attribute protocol. Value: 'None'. Mandatory field missing."],
    ['a member weight of 257', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: '192.0.2.1', protocol_port: 80, weight: 257 }] }] } }, /Value should be lower or equal to 256$/],
    ['a member address that is not an IP', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: 'example.com', protocol_port: 80 }] }] } }, /Value should be IPv4 or IPv6 format$/],
    ['a health monitor with 11 retries', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', healthmonitor: { type: 'HTTP', delay: 5, timeout: 3, max_retries: 11 } }] } }, /Value should be lower or equal to 10$/],
    ['a health monitor with a negative delay', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', healthmonitor: { type: 'HTTP', delay: -1, timeout: 3, max_retries: 1 } }] } }, /Value should be greater or equal to 0$/],
    ['an unknown algorithm', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'RANDOM' }] } }, /Value should be one of: /],
    ['pools that are not a list', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: 'web' } }, undefined],
    ['members that are a string', { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: 'x' }] } }, undefined],
  ])('%s is a 400 and writes nothing', async (_label, body, message: string | RegExp | undefined) => {
    const before = await rowCounts(t.dbUrl);
    expectFault(await t.call('POST', LB, body), 400, message);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('WSME coercions are accepted: numeric strings for integers, boolean spellings', async () => {
    const res = await t.call('POST', LB, {
      loadbalancer: { vip_subnet_id: SUBNET_ID, admin_state_up: 'yes', listeners: [{ protocol: 'HTTP', protocol_port: '8080' }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.loadbalancer.admin_state_up).toBe(true);
    expect(res.body.loadbalancer.listeners[0].protocol_port).toBe(8080);
  });
});

describe('content type and size', () => {
  const valid = JSON.stringify({ loadbalancer: { vip_subnet_id: SUBNET_ID } });

  test.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a %s body is a 415 and writes nothing',
    async (type) => {
      const before = await rowCounts(t.dbUrl);
      expectFault(await t.call('POST', LB, valid, { 'content-type': type }), 415, `Unknown mimetype: ${type.split(';')[0]}`);
      expect(await rowCounts(t.dbUrl)).toEqual(before);
    },
  );

  test.each(['application/json; charset=utf-8', 'text/javascript', 'application/javascript', 'APPLICATION/JSON'])('a %s body is accepted', async (type) => {
    const res = await t.call('POST', LB, valid, { 'content-type': type });
    expect(res.status).toBe(201);
  });

  const LIMIT = 114688;
  const padded = (size: number) => {
    const text = JSON.stringify({ loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'big' } });
    return text.slice(0, -1) + ' '.repeat(size - text.length) + '}';
  };

  test('a body of exactly 114,688 bytes is accepted', async () => {
    const body = padded(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const res = await t.call('POST', LB, body);
    expect(res.status).toBe(201);
    expect(res.body.loadbalancer.name).toBe('big');
  });

  test('one byte more is a 413 with a fault body, and nothing is written', async () => {
    const before = await rowCounts(t.dbUrl);
    const body = padded(LIMIT + 1);
    const res = await rawRequest(t.url, {
      method: 'POST', path: LB,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-project-id': 'p-big' },
      chunks: [body],
    });
    expectFault(res, 413);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('an oversized chunked body (no Content-Length) is a 413 with a fault body too', async () => {
    const before = await rowCounts(t.dbUrl);
    const body = padded(LIMIT * 2);
    const res = await rawRequest(t.url, {
      method: 'POST', path: LB,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-project-id': 'p-big' },
      chunks: [body.slice(0, 50000), body.slice(50000, 100000), body.slice(100000)],
    });
    expectFault(res, 413);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('a 1 MB PUT body is a 413 as well', async () => {
    const lb = await createLb(t, 'p-big');
    const res = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { description: 'x'.repeat(1024 * 1024) } });
    expectFault(res, 413);
  });
});

describe('control characters in strings', () => {
  const nasty: Array<[string, string]> = [['newline', 'a\nb'], ['carriage return', 'a\rb'], ['tab', 'a\tb'], ['NUL', 'a\u0000b'], ['escape', 'a\u001bb'], ['DEL', 'a\u007fb']];

  test.each(nasty)('a %s in the name, description or a tag is a 400 and writes nothing', async (_label, value) => {
    const before = await rowCounts(t.dbUrl);
    for (const field of [{ name: value }, { description: value }, { tags: ['ok', value] }]) {
      expectFault(await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, ...field } }), 400);
    }
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test.each(nasty)('a %s anywhere in a graph is a 400 and writes nothing', async (_label, value) => {
    const before = await rowCounts(t.dbUrl);
    const graphs = [
      { listeners: [{ name: value, protocol: 'HTTP', protocol_port: 80 }] },
      { listeners: [{ protocol: 'HTTP', protocol_port: 80, description: value }] },
      { pools: [{ name: value, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' }] },
      { pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ name: value, address: '192.0.2.1', protocol_port: 80 }] }] },
      { pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', healthmonitor: { type: 'HTTP', delay: 1, timeout: 1, max_retries: 1, url_path: `/health${value}` } }] },
      { pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', healthmonitor: { type: 'HTTP', delay: 1, timeout: 1, max_retries: 1, name: value } }] },
      { pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', session_persistence: { type: 'APP_COOKIE', cookie_name: `c${value}` } }] },
      { listeners: [{ protocol: 'HTTP', protocol_port: 80, l7policies: [{ action: 'REJECT', rules: [{ type: 'PATH', compare_type: 'EQUAL_TO', value: `/x${value}` }] }] }] },
      { listeners: [{ protocol: 'HTTP', protocol_port: 80, l7policies: [{ action: 'REDIRECT_TO_URL', redirect_url: `http://example.com/${value}` }] }] },
    ];
    for (const graph of graphs) {
      const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, ...graph } });
      expectFault(res, 400);
    }
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('a control character in an update is a 400 and leaves the load balancer unchanged', async () => {
    const lb = await createLb(t, 'p-ctl', { name: 'clean', tags: ['t'] });
    for (const field of [{ name: 'x\ny' }, { description: 'x\ry' }, { tags: ['x\ty'] }, { name: 'x\u0000y' }]) {
      expectFault(await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: field }), 400);
    }
    const shown = (await t.call('GET', `${LB}/${lb.id}`)).body.loadbalancer;
    expect(shown).toMatchObject({ name: 'clean', description: '', tags: ['t'], provisioning_status: 'ACTIVE', updated_at: null });
  });

  test('printable unicode is fine', async () => {
    const lb = await createLb(t, 'p-ctl', { name: 'équipe — 負荷分散 🚀', description: 'ok' });
    expect(lb.name).toBe('équipe — 負荷分散 🚀');
  });
});

import { jsonResponse, werkzeugError } from './agent-response';
import { AgentRouter, normalisePath } from './agent-router';

const ok = (tag: string) => async () => jsonResponse(200, { tag });

function router(): AgentRouter {
  return new AgentRouter().addAll([
    { method: 'GET', pattern: '/', handler: ok('root') },
    { method: 'PUT', pattern: '/1.0/vrrp/:action', handler: async (r) => jsonResponse(202, { action: r.params.action }) },
    { method: 'PUT', pattern: '/1.0/vrrp/upload', handler: ok('upload') },
    { method: 'GET', pattern: '/1.0/interface/:ip', handler: async (r) => jsonResponse(200, { ip: r.params.ip }) },
    { method: 'DELETE', pattern: '/1.0/listeners/:id', handler: ok('delete') },
  ]);
}

async function call(method: string, url: string) {
  const res = await router().dispatch({ method, path: normalisePath(url), headers: {}, body: Buffer.alloc(0) });
  return { status: res.status, body: JSON.parse(res.body.toString()) };
}

describe('AgentRouter', () => {
  it('treats // like / (the upstream controller asks for //)', async () => {
    expect(normalisePath('//')).toBe('/');
    expect(normalisePath('/1.0//info/?x=1')).toBe('/1.0/info');
    expect(await call('GET', '//')).toEqual({ status: 200, body: { tag: 'root' } });
  });

  it('prefers literal segments over parameters', async () => {
    expect((await call('PUT', '/1.0/vrrp/upload')).body).toEqual({ tag: 'upload' });
    expect((await call('PUT', '/1.0/vrrp/start')).body).toEqual({ action: 'start' });
  });

  it('passes raw IPv6 addresses and decodes escapes', async () => {
    expect((await call('GET', '/1.0/interface/2001:db8::5')).body).toEqual({ ip: '2001:db8::5' });
    expect((await call('GET', '/1.0/interface/fe80::1%25eth0')).body).toEqual({ ip: 'fe80::1%eth0' });
  });

  it('answers unknown paths with a JSON 404 and known paths with another method with 405', async () => {
    const missing = await call('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/^404 Not Found: /);
    expect(missing.body.http_code).toBe(404);
    const wrong = await call('GET', '/1.0/listeners/abc');
    expect(wrong.status).toBe(405);
    expect(wrong.body).toEqual({ error: '405 Method Not Allowed: The method is not allowed for the requested URL.', http_code: 405 });
  });

  it('renders werkzeug errors with charset JSON', () => {
    const res = werkzeugError(400, 'Invalid subnet information');
    expect(res.headers['Content-Type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(res.body.toString())).toEqual({ error: '400 Bad Request: Invalid subnet information', http_code: 400 });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, TestApi } from '../support/api-harness';
import { LB, LB_KEYS, createLb, expectFault, list } from './lb-helpers';

/** List semantics on GET /loadbalancers (spec 8): pagination and links, sorting, filters, field selection, tag filters. */

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const ids = (items: Array<Record<string, any>>) => items.map((i) => i.id as string);
const names = (items: Array<Record<string, any>>) => items.map((i) => i.name as string);
const rels = (links: Array<{ rel: string }>) => links.map((l) => l.rel).sort();
const link = (links: Array<{ href: string; rel: string }>, rel: string) => {
  const found = links.find((l) => l.rel === rel);
  if (!found) throw new Error(`no ${rel} link in ${JSON.stringify(links)}`);
  return new URL(found.href);
};

describe('pagination', () => {
  const project = 'p-pages';
  let all: string[];
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) await createLb(t, project, { name: `page-${i}` });
    const full = await list(t, `project_id=${project}`);
    all = ids(full.loadbalancers);
    expect(full.loadbalancers_links).toEqual([]);
  });

  test('the default order is creation order', async () => {
    expect(names((await list(t, `project_id=${project}`)).loadbalancers)).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  test('limit, marker and the next/previous links walk the list in pages', async () => {
    const first = await list(t, `project_id=${project}&limit=2`);
    expect(ids(first.loadbalancers)).toEqual(all.slice(0, 2));
    expect(rels(first.loadbalancers_links)).toEqual(['next']);
    const next = link(first.loadbalancers_links, 'next');
    expect(`${next.protocol}//${next.host}`).toBe(t.url);
    expect(next.pathname).toBe('/v2.0/lbaas/loadbalancers');
    expect(next.searchParams.get('limit')).toBe('2');
    expect(next.searchParams.get('marker')).toBe(all[1]);
    expect(next.searchParams.get('page_reverse')).toBeNull();

    // follow the href as clients do (filters carried into the link are a documented improvement)
    const secondRes = await t.call('GET', next.pathname + next.search + (next.searchParams.has('project_id') ? '' : `&project_id=${project}`));
    expect(secondRes.status).toBe(200);
    const second = secondRes.body;
    expect(ids(second.loadbalancers)).toEqual(all.slice(2, 4));
    expect(rels(second.loadbalancers_links)).toEqual(['next', 'previous']);
    const previous = link(second.loadbalancers_links, 'previous');
    expect(previous.searchParams.get('marker')).toBe(all[2]);
    expect(previous.searchParams.get('page_reverse')).toBe('True');
    expect(previous.searchParams.get('limit')).toBe('2');
    expect(link(second.loadbalancers_links, 'next').searchParams.get('marker')).toBe(all[3]);

    const third = await list(t, `project_id=${project}&limit=2&marker=${all[3]}`);
    expect(ids(third.loadbalancers)).toEqual(all.slice(4));
    expect(rels(third.loadbalancers_links)).toEqual(['previous']);
  });

  test('a full last page still has a next link; following it gives an empty page', async () => {
    const page = await list(t, `project_id=${project}&limit=5`);
    expect(ids(page.loadbalancers)).toEqual(all);
    expect(rels(page.loadbalancers_links)).toEqual(['next']);
    const after = await list(t, `project_id=${project}&limit=5&marker=${all[4]}`);
    expect(after.loadbalancers).toEqual([]);
    expect(after.loadbalancers_links.map((l) => l.rel)).not.toContain('next');
  });

  test('page_reverse=True returns the first items before the marker, in normal order', async () => {
    const page = await list(t, `project_id=${project}&limit=2&marker=${all[4]}&page_reverse=True`);
    expect(ids(page.loadbalancers)).toEqual(all.slice(0, 2));
    const unlimited = await list(t, `project_id=${project}&marker=${all[3]}&page_reverse=True`);
    expect(ids(unlimited.loadbalancers)).toEqual(all.slice(0, 3));
    // any other value means forward
    const forward = await list(t, `project_id=${project}&limit=2&marker=${all[1]}&page_reverse=true`);
    expect(ids(forward.loadbalancers)).toEqual(all.slice(2, 4));
  });

  test.each(['0', '-1', 'infinite'])('limit=%s means no limit and no next link', async (limit) => {
    const page = await list(t, `project_id=${project}&limit=${limit}`);
    expect(ids(page.loadbalancers)).toEqual(all);
    expect(page.loadbalancers_links.filter((l) => l.rel === 'next')).toEqual([]);
  });

  test.each(['abc', '1.5', '2x', ''])('limit=%p is a 400, on lists and on GET-one', async (limit) => {
    const message = `Supplied pagination limit '${limit}' is not valid.`;
    expectFault(await t.call('GET', `${LB}?project_id=${project}&limit=${limit}`), 400, message);
    expectFault(await t.call('GET', `${LB}/${all[0]}?limit=${limit}`), 400, message);
  });

  test.each(['0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c', 'not-a-uuid', "x' OR '1'='1"])('an unknown marker %p is a 400', async (marker) => {
    const res = await t.call('GET', `${LB}?project_id=${project}&marker=${encodeURIComponent(marker)}`);
    expectFault(res, 400, `Supplied pagination marker '${marker}' is not valid.`);
  });
});

describe('sorting', () => {
  const project = 'p-sort';
  beforeAll(async () => {
    await createLb(t, project, { name: 'bravo', admin_state_up: true });
    await createLb(t, project, { name: 'alpha', admin_state_up: false });
    await createLb(t, project, { name: 'charlie', admin_state_up: false });
  });

  test.each([
    ['sort=name', ['alpha', 'bravo', 'charlie']],
    ['sort=name:asc', ['alpha', 'bravo', 'charlie']],
    ['sort=name:desc', ['charlie', 'bravo', 'alpha']],
    ['sort=name:DESC', ['charlie', 'bravo', 'alpha']],
    ['sort_key=name&sort_dir=desc', ['charlie', 'bravo', 'alpha']],
    ['sort_key=name', ['alpha', 'bravo', 'charlie']],
    ['sort=admin_state_up:desc,name:desc', ['bravo', 'charlie', 'alpha']],
    ['sort_key=admin_state_up,name&sort_dir=asc,desc', ['charlie', 'alpha', 'bravo']],
    ['sort=name:desc&sort_key=name&sort_dir=asc', ['charlie', 'bravo', 'alpha']],
  ])('%s', async (query, expected) => {
    expect(names((await list(t, `project_id=${project}&${query}`)).loadbalancers)).toEqual(expected);
  });

  test('sorting combines with pagination and the sort is carried into the links', async () => {
    const first = await list(t, `project_id=${project}&sort=name:desc&limit=1`);
    expect(names(first.loadbalancers)).toEqual(['charlie']);
    const next = link(first.loadbalancers_links, 'next');
    expect(next.searchParams.get('sort')).toBe('name:desc');
    const second = await list(t, `project_id=${project}&sort=name:desc&limit=1&marker=${next.searchParams.get('marker')}`);
    expect(names(second.loadbalancers)).toEqual(['bravo']);
  });

  test.each([
    ['sort=bogus', "Supplied sort key 'bogus' is not valid."],
    ['sort=name:asc:x', /^Supplied sort key 'name:asc:x' is not valid\.$/],
    ['sort_key=bogus', "Supplied sort key 'bogus' is not valid."],
    ['sort=name:sideways', "Supplied sort direction 'sideways' is not valid."],
    ['sort_key=name&sort_dir=up', "Supplied sort direction 'up' is not valid."],
  ])('%s is a 400', async (query, message) => {
    expectFault(await t.call('GET', `${LB}?project_id=${project}&${query}`), 400, message);
  });
});

describe('filters', () => {
  const project = 'p-filter';
  let enabled: Record<string, any>;
  let disabled: Record<string, any>;
  beforeAll(async () => {
    enabled = await createLb(t, project, { name: 'on', description: 'first', vip_address: '203.0.113.50' });
    disabled = await createLb(t, project, { name: 'off', admin_state_up: false });
    await createLb(t, project);
  });

  test('exact matches on names, ids, addresses and statuses; several filters are ANDed', async () => {
    expect(ids((await list(t, `project_id=${project}&name=on`)).loadbalancers)).toEqual([enabled.id]);
    expect(ids((await list(t, `project_id=${project}&name=o`)).loadbalancers)).toEqual([]);
    expect(ids((await list(t, `project_id=${project}&id=${disabled.id}`)).loadbalancers)).toEqual([disabled.id]);
    expect(ids((await list(t, `project_id=${project}&vip_address=203.0.113.50`)).loadbalancers)).toEqual([enabled.id]);
    expect(ids((await list(t, `project_id=${project}&description=first&name=on`)).loadbalancers)).toEqual([enabled.id]);
    expect(ids((await list(t, `project_id=${project}&description=first&name=off`)).loadbalancers)).toEqual([]);
    expect((await list(t, `project_id=${project}&provisioning_status=ACTIVE`)).loadbalancers).toHaveLength(3);
    expect(ids((await list(t, `project_id=${project}&operating_status=OFFLINE`)).loadbalancers)).toEqual([disabled.id]);
    expect((await list(t, `project_id=${project}&provider=noop_driver`)).loadbalancers).toHaveLength(3);
    expect((await list(t, `project_id=${project}&provider=amphora`)).loadbalancers).toHaveLength(0);
  });

  test('project_id and tenant_id narrow the list to one project', async () => {
    const other = await createLb(t, 'p-filter-other', { name: 'on' });
    expect(ids((await list(t, 'name=on&project_id=p-filter-other')).loadbalancers)).toEqual([other.id]);
    expect(ids((await list(t, 'name=on&tenant_id=p-filter-other')).loadbalancers)).toEqual([other.id]);
    expect(ids((await list(t, 'name=on')).loadbalancers).sort()).toEqual([enabled.id, other.id].sort());
  });

  test('an empty name matches nothing: names created without a value are stored as NULL', async () => {
    expect((await list(t, `project_id=${project}&name=`)).loadbalancers).toEqual([]);
  });

  test.each([['true', 'on'], ['True', 'on'], ['1', 'on'], ['yes', 'on'], ['on', 'on'], ['t', 'on'], ['y', 'on'],
    ['false', 'off'], ['0', 'off'], ['no', 'off'], ['off', 'off'], ['f', 'off'], ['n', 'off'], ['bogus', 'off']])(
    'admin_state_up=%s is a boolean filter', async (value, expected) => {
      const found = names((await list(t, `project_id=${project}&admin_state_up=${value}`)).loadbalancers);
      if (expected === 'on') {
        expect(found.sort()).toEqual(['', 'on']);
      } else {
        expect(found).toEqual(['off']);
      }
    },
  );

  test.each(['bogus=1', 'listener_id=x', 'loadbalancer_id=x', 'vip_port=1', 'NAME=on'])('the unknown filter %s is a 400', async (query) => {
    expectFault(await t.call('GET', `${LB}?project_id=${project}&${query}`), 400, 'One or more arguments are either duplicate or invalid');
  });

  test('filters are not validated on GET-one', async () => {
    const res = await t.call('GET', `${LB}/${enabled.id}?bogus=1`);
    expect(res.status).toBe(200);
    expect(res.body.loadbalancer.id).toBe(enabled.id);
  });
});

describe('field selection', () => {
  const project = 'p-fields';
  let lb: Record<string, any>;
  beforeAll(async () => {
    lb = await createLb(t, project, { name: 'picked' });
    await createLb(t, project, { name: 'second' });
  });

  test('repeated fields limit every object of a list; links are not affected', async () => {
    const page = await list(t, `project_id=${project}&fields=id&fields=name&limit=1`);
    expect(page.loadbalancers).toEqual([{ id: lb.id, name: 'picked' }]);
    expect(rels(page.loadbalancers_links)).toEqual(['next']);
  });

  test('a single field and unknown fields', async () => {
    expect((await list(t, `project_id=${project}&fields=name`)).loadbalancers).toEqual([{ name: 'picked' }, { name: 'second' }]);
    expect((await list(t, `project_id=${project}&fields=bogus`)).loadbalancers).toEqual([{}, {}]);
    expect((await list(t, `project_id=${project}&fields=name&fields=bogus`)).loadbalancers).toEqual([{ name: 'picked' }, { name: 'second' }]);
  });

  test('fields apply to GET-one too', async () => {
    const res = await t.call('GET', `${LB}/${lb.id}?fields=id&fields=provisioning_status`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ loadbalancer: { id: lb.id, provisioning_status: 'ACTIVE' } });
  });

  test('without fields every attribute is present', async () => {
    for (const item of (await list(t, `project_id=${project}`)).loadbalancers) expect(Object.keys(item).sort()).toEqual(LB_KEYS);
  });
});

describe('tag filters', () => {
  const project = 'p-tags';
  const byName: Record<string, string> = {};
  beforeAll(async () => {
    for (const [name, tags] of [['ab', ['a', 'b']], ['a', ['a']], ['bc', ['c', 'b']], ['none', []]] as const) {
      byName[name] = (await createLb(t, project, { name, tags })).id;
    }
  });
  const found = async (query: string) => names((await list(t, `project_id=${project}&${query}`)).loadbalancers).sort();

  test.each([
    ['tags=a', ['a', 'ab']],
    ['tags=a,b', ['ab']],
    ['tags=a&tags=b', ['ab']],
    ['tags=z', []],
    ['tags-any=a,c', ['a', 'ab', 'bc']],
    ['tags-any=c&tags-any=z', ['bc']],
    ['not-tags=a,b', ['a', 'bc', 'none']],
    ['not-tags=a', ['bc', 'none']],
    ['not-tags-any=a,c', ['none']],
    ['not-tags-any=a&not-tags-any=c', ['none']],
    ['tags=a&not-tags=b', ['a']],
    ['tags-any=b&not-tags-any=a', ['bc']],
  ])('%s', async (query, expected) => {
    expect(await found(query)).toEqual(expected);
  });

  test('tags come back as a list', async () => {
    const shown = (await t.call('GET', `${LB}/${byName.bc}`)).body.loadbalancer;
    expect([...shown.tags].sort()).toEqual(['b', 'c']);
  });

  test('tag filters combine with pagination', async () => {
    const page = await list(t, `project_id=${project}&tags=a&limit=1`);
    expect(names(page.loadbalancers)).toEqual(['ab']);
    expect(rels(page.loadbalancers_links)).toEqual(['next']);
  });
});

describe('[api_settings] pagination_max_limit', () => {
  let capped: TestApi;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'octavia-ts-pages-'));
    const ini = join(dir, 'octavia.conf');
    writeFileSync(ini, '[api_settings]\npagination_max_limit = 2\n');
    capped = await startTestApi({ OCTAVIA_TS_CONFIG_FILE: ini });
    for (let i = 0; i < 3; i++) await createLb(capped, 'p-capped', { name: `c-${i}` });
  });
  afterAll(async () => {
    await capped?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(['', '&limit=10', '&limit=2'])('the page size is capped at the maximum (query %p) and a next link is given', async (extra) => {
    const res = await capped.call('GET', `${LB}?project_id=p-capped${extra}`);
    expect(res.status).toBe(200);
    expect(names(res.body.loadbalancers)).toEqual(['c-0', 'c-1']);
    expect(rels(res.body.loadbalancers_links)).toEqual(['next']);
    expect(link(res.body.loadbalancers_links, 'next').searchParams.get('limit')).toBe('2');
  });

  test('a smaller limit is honoured', async () => {
    const res = await capped.call('GET', `${LB}?project_id=p-capped&limit=1`);
    expect(names(res.body.loadbalancers)).toEqual(['c-0']);
  });
});

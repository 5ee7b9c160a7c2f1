import { LocalCertificateAuthority } from '../../libs/certificates/src';
import { run } from '../../libs/drivers/src/util/exec';
import { LocalLbHarness } from '../support/lb-harness';

/** TERMINATED_HTTPS end to end: a certificate in the local store, uploaded by the worker, served by HAProxy through the VIP. */
describe('TLS-terminated listener on a netns amphora', () => {
  let h: LocalLbHarness;

  afterAll(async () => {
    await h?.close();
  });

  it('serves HTTPS with the referenced certificate and forwards plain HTTP to the members', async () => {
    h = await LocalLbHarness.start();
    const net = await h.createNetwork('tls');
    const client = await h.addHost(net, 'cli', 50);
    await h.startBackend(await h.addHost(net, 'b1', 11), net.ip(11), 8080, 'backend-1');
    const ca = LocalCertificateAuthority.create({ commonName: 'test CA' });
    const leaf = ca.issueServerCertificate('www.example.test');
    const added = await h.api.call('POST', '/v2/octavia-ts/certificates', { certificate: { name: 'www', certificate: leaf.certificatePem, private_key: leaf.privateKeyPem } });
    expect(added.status).toBe(201);
    const ref = added.body.certificate.ref;
    const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
      loadbalancer: {
        vip_subnet_id: net.subnetId,
        listeners: [{ protocol: 'TERMINATED_HTTPS', protocol_port: 443, default_tls_container_ref: ref, default_pool: { name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: net.ip(11), protocol_port: 8080 }] } }],
      },
    });
    expect([res.status, res.status === 201 ? '' : JSON.stringify(res.body)]).toEqual([201, '']);
    const vip = res.body.loadbalancer.vip_address;
    await h.waitLbStatus(res.body.loadbalancer.id, 'ACTIVE');
    const caFile = `${h.stateDir}/ca.pem`;
    require('node:fs').writeFileSync(caFile, ca.certificatePem);
    const out = await run(['ip', 'netns', 'exec', client, 'curl', '-s', '--max-time', '3', '--cacert', caFile, '--resolve', `www.example.test:443:${vip}`, 'https://www.example.test/']);
    expect(out).toBe('backend-1');
    // The certificate HAProxy presents is the one in the store (verified against its CA above), and plain HTTP is not served on 443.
    const plain = await h.curl(client, `http://${vip}:443/`, 2);
    expect(plain).not.toBe('backend-1');
    expect((await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${res.body.loadbalancer.id}?cascade=true`)).status).toBe(204);
    await h.waitLbGone(res.body.loadbalancer.id);
    expect((await h.leftovers()).namespaces).toEqual([]);
  });
});

import * as path from 'node:path';
import { jsonResponse, message } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { buildTlsOptions, TlsMaterialError } from '../http/tls-material';
import { md5Hex, readFileOrNull, removeIfExists, writeFileAtomic } from '../util/files';
import { AgentServices, invalidId } from './agent-services';

/** Upstream's check is `re.search(r'(\w.)+pem', filename)`. */
const FILENAME = /(\w.)+pem/;

/** Routes 11–13 (TLS material for HAProxy) and 16 (the agent's own certificate). */
export function certificateRoutes(s: AgentServices): RouteDefinition[] {
  const certFile = (lbId: string, filename: string) => path.join(s.ctx.paths.certDir(lbId), filename);
  const badName = (lbId: string, filename: string) =>
    invalidId(lbId) ?? (FILENAME.test(filename) && !invalidId(filename) ? null : message(400, 'Filename has wrong format'));

  return [
    {
      method: 'PUT',
      pattern: '/1.0/loadbalancer/:lbId/certificates/:filename',
      handler: async ({ params, body }) => {
        const bad = badName(params.lbId, params.filename);
        if (bad) return bad;
        await writeFileAtomic(certFile(params.lbId, params.filename), body, 0o600);
        return message(200, 'OK', undefined, { ETag: md5Hex(body) });
      },
    },
    {
      method: 'GET',
      pattern: '/1.0/loadbalancer/:lbId/certificates/:filename',
      handler: async ({ params }) => {
        const bad = badName(params.lbId, params.filename);
        if (bad) return bad;
        const pem = await readFileOrNull(certFile(params.lbId, params.filename));
        if (pem === null) return message(404, 'Certificate Not Found', `No certificate with filename: ${params.filename}`);
        const sum = md5Hex(pem);
        return jsonResponse(200, { md5sum: sum }, { ETag: sum });
      },
    },
    {
      method: 'DELETE',
      pattern: '/1.0/loadbalancer/:lbId/certificates/:filename',
      handler: async ({ params }) => {
        const bad = badName(params.lbId, params.filename);
        if (bad) return bad;
        await removeIfExists(certFile(params.lbId, params.filename));
        return message(200, 'OK');
      },
    },
    {
      method: 'PUT',
      pattern: '/1.0/certificate',
      handler: async ({ body }) => {
        const cfg = s.ctx.config().amphoraAgent;
        const ca = await readFileOrNull(cfg.agentServerCa);
        try {
          // Refuse material that would leave the agent unreachable after the swap.
          buildTlsOptions(body.toString('utf8'), ca?.toString('utf8') ?? '', cfg.agentTlsProtocol);
        } catch (err) {
          if (err instanceof TlsMaterialError) return message(400, 'Invalid request', err.message);
          throw err;
        }
        await writeFileAtomic(cfg.agentServerCert, body, 0o600);
        await s.reloadServerCertificate();
        return message(202, 'OK');
      },
    },
  ];
}

import type { NextFunction, Request, Response } from 'express';
import { JsonLogger, OctaviaConfig } from '../../../../libs/common/src';
import { IdentityUnavailable, KeystoneTokenValidator } from './keystone-token-validator';
import { actionsFor } from './policy-actions';
import { RequestContext, contextFromHeaders } from './request-context';

/** Paths served without a token (upstream's keystone exemption list, plus our metrics endpoint). */
const EXEMPT = /^\/(healthcheck|metrics|load-balancer\/?|load-balancer\/healthcheck)?$/;

/** Identity headers a client could forge: dropped in keystone mode, where only the token speaks. */
const IDENTITY_HEADERS = [
  'x-identity-status', 'x-service-identity-status', 'x-domain-id', 'x-domain-name', 'x-project-id', 'x-project-name',
  'x-project-domain-id', 'x-project-domain-name', 'x-user-id', 'x-user-name', 'x-user-domain-id', 'x-user-domain-name',
  'x-roles', 'x-role', 'x-service-roles', 'x-tenant-id', 'x-tenant', 'x-tenant-name', 'x-user', 'x-is-admin-project',
  'openstack-system-scope', 'x-service-user-id', 'x-service-project-id',
];

const UNAUTHORIZED = 'The request you have made requires authentication.';

type AuthRequest = Request & { octaviaContext?: RequestContext; requestId?: string };

function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).type('application/json').send(JSON.stringify(body));
}

/**
 * 401 as keystonemiddleware sends it (`WWW-Authenticate: Keystone uri="..."`, `error` object), with
 * Octavia's fault keys in the same body so that Octavia clients show the message.
 */
function unauthorized(res: Response, uri: string): void {
  send(
    res,
    401,
    { faultcode: 'Client', faultstring: UNAUTHORIZED, debuginfo: null, error: { code: 401, title: 'Unauthorized', message: UNAUTHORIZED } },
    { 'WWW-Authenticate': `Keystone uri="${uri}"` },
  );
}

/**
 * Builds the RequestContext of every request (spec §4): `noauth` trusts the identity headers and makes
 * everyone admin; `testing` trusts the headers but enforces policy; `keystone` validates X-Auth-Token with
 * Keystone (401 when missing, invalid or expired; 503 when Keystone cannot be asked) and takes the
 * identity from the token only. Also records the upstream policy actions of the request.
 */
export function createAuthMiddleware(config: OctaviaConfig, opts: { validator?: KeystoneTokenValidator; logger?: JsonLogger } = {}) {
  const logger = opts.logger ?? new JsonLogger('api.auth');
  const strategy = config.api.authStrategy;
  const validator = strategy === 'keystone' ? (opts.validator ?? new KeystoneTokenValidator(config.keystoneAuthtoken, logger)) : undefined;

  const middleware = (req: AuthRequest, res: Response, next: NextFunction): void => {
    const actions = actionsFor(req.method, req.path, req.query as Record<string, unknown>, req.body);
    if (strategy !== 'keystone') {
      req.octaviaContext = { ...contextFromHeaders(req, strategy === 'noauth'), policyActions: actions };
      next();
      return;
    }
    for (const h of IDENTITY_HEADERS) delete req.headers[h];
    if (EXEMPT.test(req.path)) {
      req.octaviaContext = { roles: [], isAdmin: false, requestId: req.requestId, policyActions: actions };
      next();
      return;
    }
    const header = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    const token = typeof header === 'string' ? header.trim() : '';
    // Fernet tokens are ~200 characters, JWS ~800; anything huge or with control characters is not a token.
    if (!token || token.length > 8192 || /[^\x21-\x7e]/.test(token)) {
      unauthorized(res, validator!.wwwAuthenticateUri);
      return;
    }
    validator!
      .validate(token)
      .then((identity) => {
        if (!identity) {
          logger.info({ msg: 'token refused', request_id: req.requestId, path: req.path });
          unauthorized(res, validator!.wwwAuthenticateUri);
          return;
        }
        req.octaviaContext = {
          projectId: identity.projectId,
          projectName: identity.projectName,
          projectDomainId: identity.projectDomainId,
          userId: identity.userId,
          userName: identity.userName,
          userDomainId: identity.userDomainId,
          domainId: identity.domainId,
          systemScope: identity.systemScope,
          roles: identity.roles,
          isAdmin: false,
          authToken: token,
          requestId: req.requestId,
          policyActions: actions,
        };
        next();
      })
      .catch((err: unknown) => {
        if (err instanceof IdentityUnavailable) {
          send(res, 503, { faultcode: 'Server', faultstring: 'The Keystone service is temporarily unavailable.', debuginfo: null });
          return;
        }
        next(err);
      });
  };
  return Object.assign(middleware, { validator });
}

import { OctaviaConfig } from '../../../../../libs/common/src';
import { PoolEntity, SessionPersistence } from '../../../../../libs/database/src';
import { SessionPersistenceDto } from '../dto/dtos';
import { KEEP_ON_NULL, PutTable } from './put-semantics';

/** Pool PUT: updatable attributes and what an explicit null stores (spec 9.3.1). Session persistence is merged apart. */
export function poolPutTable(config: OctaviaConfig): PutTable<PoolEntity> {
  return {
    name: { prop: 'name', onNull: null },
    description: { prop: 'description', onNull: null },
    admin_state_up: { prop: 'enabled', onNull: false },
    // null is refused before the merge: there is no algorithm to fall back to.
    lb_algorithm: { prop: 'lbAlgorithm', onNull: KEEP_ON_NULL },
    tls_enabled: { prop: 'tlsEnabled', onNull: false },
    tls_container_ref: { prop: 'tlsContainerRef', onNull: null },
    ca_tls_container_ref: { prop: 'caTlsContainerRef', onNull: null },
    crl_container_ref: { prop: 'crlContainerRef', onNull: null },
    // upstream resets these to the configured defaults even when TLS is off
    tls_ciphers: { prop: 'tlsCiphers', onNull: config.api.defaultPoolCiphers },
    tls_versions: { prop: 'tlsVersions', onNull: config.api.defaultPoolTlsVersions },
    alpn_protocols: { prop: 'alpnProtocols', onNull: null },
    tags: { prop: 'tags', onNull: KEEP_ON_NULL },
  };
}

/**
 * A session persistence object sent on PUT, laid over the stored one: `type` may be omitted (the stored
 * type stays), and a stored cookie name does not survive a change away from APP_COOKIE.
 */
export function mergeSessionPersistence(sent: SessionPersistenceDto, stored: SessionPersistence | null): Record<string, unknown> {
  const given = sent as Record<string, unknown>;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(given, k) && given[k] !== undefined;
  const type = (has('type') ? given.type : stored?.type) as string | undefined;
  const keptCookie = type === 'APP_COOKIE' ? stored?.cookie_name ?? null : null;
  return {
    type,
    cookie_name: has('cookie_name') ? given.cookie_name : keptCookie,
    persistence_timeout: has('persistence_timeout') ? given.persistence_timeout : stored?.persistence_timeout ?? null,
    persistence_granularity: has('persistence_granularity') ? given.persistence_granularity : stored?.persistence_granularity ?? null,
  };
}

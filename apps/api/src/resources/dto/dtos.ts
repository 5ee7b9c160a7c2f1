import {
  AnyField, BoolField, Check, EnumField, IntField, IpField, ListField, NestedField, StringField, TagsField, UuidField,
} from '../../validation/fields';
import {
  CLIENT_AUTH_MODES, HEALTH_MONITOR_TYPES, HTTP_METHODS, L7POLICY_ACTIONS, L7RULE_COMPARE_TYPES, L7RULE_TYPES,
  LB_ALGORITHMS, LISTENER_PROTOCOLS, POOL_PROTOCOLS, SESSION_PERSISTENCE_TYPES,
} from './shared-constants';
import { CIPHER_CHARS, DOMAIN_NAME, EXPECTED_CODES, isAlpn, isCidr, isRedirectUrl, isRef, isTlsVersion, isUrlPath } from './validators';

const TIMEOUT_MAX = 2073600000;
const Ciphers = () => StringField({ max: 2048 });
const TlsVersions = () => ListField(isTlsVersion, 'Value should be one of: SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3');
const Alpn = () => ListField(isAlpn, 'Value should be a valid ALPN protocol ID');
const Ref = () => StringField({ max: 255 });

// ---------- L7 rules ----------
export class L7RuleCreateDto {
  @EnumField(L7RULE_TYPES, { required: true }) type: string;
  @EnumField(L7RULE_COMPARE_TYPES, { required: true }) compare_type: string;
  @StringField({ max: 255 }) key?: string | null;
  @StringField({ max: 255, required: true }) value: string;
  @BoolField() invert?: boolean | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class L7RuleUpdateDto {
  @EnumField(L7RULE_TYPES) type?: string;
  @EnumField(L7RULE_COMPARE_TYPES) compare_type?: string;
  @StringField({ max: 255 }) key?: string | null;
  @StringField({ max: 255 }) value?: string;
  @BoolField() invert?: boolean | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
}

// ---------- Health monitors ----------
class HealthMonitorFields {
  @StringField() name?: string | null;
  @IntField({ min: 1, max: 10 }) max_retries_down?: number | null;
  @EnumField(HTTP_METHODS) http_method?: string | null;
  @Check('urlPath', isUrlPath, 'Value must be a valid URL Path string') url_path?: string | null;
  @StringField({ max: 64, pattern: EXPECTED_CODES }) expected_codes?: string | null;
  @EnumField([1.0, 1.1]) http_version?: number | null;
  @StringField({ max: 255, min: 1, pattern: DOMAIN_NAME }) domain_name?: string | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
}

export class HealthMonitorGraphDto extends HealthMonitorFields {
  @EnumField(HEALTH_MONITOR_TYPES, { required: true }) type: string;
  @IntField({ min: 0, required: true }) delay: number;
  @IntField({ min: 0, required: true }) timeout: number;
  @IntField({ min: 1, max: 10, required: true }) max_retries: number;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class HealthMonitorCreateDto extends HealthMonitorGraphDto {
  @UuidField({ required: true }) pool_id: string;
}

export class HealthMonitorUpdateDto extends HealthMonitorFields {
  @IntField({ min: 0 }) delay?: number | null;
  @IntField({ min: 0 }) timeout?: number | null;
  @IntField({ min: 1, max: 10 }) max_retries?: number | null;
}

// ---------- Members ----------
class MemberFields {
  @StringField() name?: string | null;
  @IntField({ min: 0, max: 256 }) weight?: number | null;
  @BoolField() backup?: boolean | null;
  @IpField() monitor_address?: string | null;
  @IntField({ min: 1, max: 65535 }) monitor_port?: number | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
}

export class MemberCreateDto extends MemberFields {
  @IpField({ required: true }) address: string;
  @IntField({ min: 1, max: 65535, required: true }) protocol_port: number;
  @UuidField() subnet_id?: string | null;
  @BoolField() request_sriov?: boolean | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class MemberUpdateDto extends MemberFields {}

// ---------- Pools ----------
export class SessionPersistenceDto {
  @EnumField(SESSION_PERSISTENCE_TYPES) type?: string;
  @StringField({ max: 255 }) cookie_name?: string | null;
  @IntField() persistence_timeout?: number | null;
  @IpField() persistence_granularity?: string | null;
}

class PoolFields {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  @BoolField() admin_state_up?: boolean | null;
  @NestedField(() => SessionPersistenceDto) session_persistence?: SessionPersistenceDto | null;
  @BoolField() tls_enabled?: boolean | null;
  @Ref() tls_container_ref?: string | null;
  @Ref() ca_tls_container_ref?: string | null;
  @Ref() crl_container_ref?: string | null;
  @Ciphers() tls_ciphers?: string | null;
  @TlsVersions() tls_versions?: string[] | null;
  @Alpn() alpn_protocols?: string[] | null;
  @TagsField() tags?: string[] | null;
}

/** A pool inside a fully populated create: either a full definition or a `{name}` reference. */
export class PoolGraphDto extends PoolFields {
  @EnumField(POOL_PROTOCOLS) protocol?: string;
  @EnumField(LB_ALGORITHMS) lb_algorithm?: string;
  @NestedField(() => HealthMonitorGraphDto) healthmonitor?: HealthMonitorGraphDto | null;
  @NestedField(() => MemberCreateDto, { each: true }) members?: MemberCreateDto[] | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class PoolCreateDto extends PoolFields {
  @EnumField(POOL_PROTOCOLS, { required: true }) protocol: string;
  @EnumField(LB_ALGORITHMS, { required: true }) lb_algorithm: string;
  @UuidField() loadbalancer_id?: string | null;
  @UuidField() listener_id?: string | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class PoolUpdateDto extends PoolFields {
  @EnumField(LB_ALGORITHMS) lb_algorithm?: string | null;
}

// ---------- L7 policies (graph form only here; the standalone API builds on it) ----------
export class L7PolicyGraphDto {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  @EnumField(L7POLICY_ACTIONS) action?: string;
  @UuidField() redirect_pool_id?: string | null;
  @NestedField(() => PoolGraphDto) redirect_pool?: PoolGraphDto | null;
  @Check('url', isRedirectUrl, 'Value must be a valid URL string') redirect_url?: string | null;
  @Check('url', isRedirectUrl, 'Value must be a valid URL string') redirect_prefix?: string | null;
  @EnumField([301, 302, 303, 307, 308]) redirect_http_code?: number | null;
  @IntField({ min: 1, max: 2147483647 }) position?: number | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
  @NestedField(() => L7RuleCreateDto, { each: true }) rules?: L7RuleCreateDto[] | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

// ---------- Listeners ----------
class ListenerFields {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  @BoolField() admin_state_up?: boolean | null;
  @IntField({ min: -1 }) connection_limit?: number | null;
  @UuidField() default_pool_id?: string | null;
  @Ref() default_tls_container_ref?: string | null;
  @ListField(isRef, 'Value should be a list of strings of at most 255 characters') sni_container_refs?: string[] | null;
  @AnyField() insert_headers?: Record<string, unknown> | null;
  @IntField({ min: 0, max: TIMEOUT_MAX }) timeout_client_data?: number | null;
  @IntField({ min: 0, max: TIMEOUT_MAX }) timeout_member_connect?: number | null;
  @IntField({ min: 0, max: TIMEOUT_MAX }) timeout_member_data?: number | null;
  @IntField({ min: 0, max: TIMEOUT_MAX }) timeout_tcp_inspect?: number | null;
  @TagsField() tags?: string[] | null;
  @Ref() client_ca_tls_container_ref?: string | null;
  @EnumField(CLIENT_AUTH_MODES) client_authentication?: string | null;
  @Ref() client_crl_container_ref?: string | null;
  @ListField(isCidr, 'Value should be IPv4 or IPv6 CIDR format') allowed_cidrs?: string[] | null;
  @Ciphers() tls_ciphers?: string | null;
  @TlsVersions() tls_versions?: string[] | null;
  @Alpn() alpn_protocols?: string[] | null;
  @IntField({ min: 0 }) hsts_max_age?: number | null;
  @BoolField() hsts_include_subdomains?: boolean | null;
  @BoolField() hsts_preload?: boolean | null;
}

export class ListenerGraphDto extends ListenerFields {
  @EnumField(LISTENER_PROTOCOLS, { required: true }) protocol: string;
  @IntField({ min: 1, max: 65535, required: true }) protocol_port: number;
  @NestedField(() => PoolGraphDto) default_pool?: PoolGraphDto | null;
  @NestedField(() => L7PolicyGraphDto, { each: true }) l7policies?: L7PolicyGraphDto[] | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

export class ListenerCreateDto extends ListenerGraphDto {
  @UuidField({ required: true }) loadbalancer_id: string;
}

export class ListenerUpdateDto extends ListenerFields {}

// ---------- Load balancers ----------
export class AdditionalVipDto {
  @UuidField({ required: true }) subnet_id: string;
  @IpField() ip_address?: string | null;
}

export class LoadBalancerCreateDto {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  @BoolField() admin_state_up?: boolean | null;
  @StringField({ max: 36 }) project_id?: string | null;
  @StringField({ max: 36 }) tenant_id?: string | null;
  @IpField() vip_address?: string | null;
  @UuidField() vip_port_id?: string | null;
  @UuidField() vip_subnet_id?: string | null;
  @UuidField() vip_network_id?: string | null;
  @UuidField() vip_qos_policy_id?: string | null;
  @ListField((v) => typeof v === 'string' && /^[0-9a-f-]{32,36}$/i.test(v), 'Value should be UUID format') vip_sg_ids?: string[] | null;
  @NestedField(() => AdditionalVipDto, { each: true }) additional_vips?: AdditionalVipDto[] | null;
  @NestedField(() => ListenerGraphDto, { each: true }) listeners?: ListenerGraphDto[] | null;
  @NestedField(() => PoolGraphDto, { each: true }) pools?: PoolGraphDto[] | null;
  @StringField({ max: 64 }) provider?: string | null;
  @UuidField() flavor_id?: string | null;
  @StringField({ max: 255 }) availability_zone?: string | null;
  @TagsField() tags?: string[] | null;
}

export class LoadBalancerUpdateDto {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  @BoolField() admin_state_up?: boolean | null;
  @UuidField() vip_qos_policy_id?: string | null;
  @ListField((v) => typeof v === 'string' && /^[0-9a-f-]{32,36}$/i.test(v), 'Value should be UUID format') vip_sg_ids?: string[] | null;
  @TagsField() tags?: string[] | null;
}

export { CIPHER_CHARS };

import { AmphoraEntity } from '../../../../../libs/database/src';
import { ts } from '../views';

/** The amphora object of the admin API (spec 9.14); every attribute is read-only. */
export function amphoraView(a: AmphoraEntity) {
  return {
    id: a.id,
    loadbalancer_id: a.loadBalancerId,
    compute_id: a.computeId,
    lb_network_ip: a.lbNetworkIp,
    vrrp_ip: a.vrrpIp,
    ha_ip: a.haIp,
    vrrp_port_id: a.vrrpPortId,
    ha_port_id: a.haPortId,
    cert_expiration: ts(a.certExpiration),
    cert_busy: a.certBusy,
    role: a.role,
    status: a.status,
    vrrp_interface: a.vrrpInterface,
    vrrp_id: a.vrrpId,
    vrrp_priority: a.vrrpPriority,
    cached_zone: a.cachedZone,
    created_at: ts(a.createdAt),
    updated_at: ts(a.updatedAt),
    image_id: a.imageId,
    compute_flavor: a.computeFlavor,
  };
}

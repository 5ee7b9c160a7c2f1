import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Topology } from '../../../../../libs/common/src';
import { ApiFault } from '../../common/api-fault';
import { ApiCore } from '../../core/write-unit';
import { parseMetadata } from '../providers/catalog-helpers';
import { ProviderCatalog } from '../providers/provider-catalog';
import { driverFor } from '../providers/provider-capabilities';

/** Where and how a new load balancer runs: its provider, and what its flavor and availability zone say. */
export interface Placement {
  provider: string;
  driver: string;
  flavorMetadata: Record<string, unknown> | null;
  azMetadata: Record<string, unknown> | null;
  /** The flavor's `loadbalancer_topology`, else `[controller_worker] loadbalancer_topology`. */
  topology: Topology;
  /** Flavor `sriov_vip: true`: the VIP port is an SR-IOV port (`vip_vnic_type` `direct`). */
  sriovVip: boolean;
  /** The AZ's `valid_vip_networks`, which replaces any deployment-wide list. */
  validVipNetworks: string[] | null;
}

/**
 * Flavor, availability zone and provider of a load balancer create, in upstream's order (spec 9.1.3
 * steps 4-6 in `resolve`, step 8 in `validateMetadata`, step 9 in `checkVipNetwork`). The flavor and AZ
 * rows are read FOR SHARE, so deleting them waits for this transaction and then sees the new user.
 */
@Injectable()
export class LoadBalancerPlacement {
  constructor(private readonly core: ApiCore, private readonly providers: ProviderCatalog) {}

  async resolve(em: EntityManager, body: { flavor_id?: string | null; availability_zone?: string | null; provider?: string | null }): Promise<Placement & { flavorData: unknown; azData: unknown }> {
    let flavorProvider: string | null = null;
    let flavorData: unknown = null;
    if (body.flavor_id) {
      const [flavor] = await em.query(
        `SELECT f.enabled, p.provider_name, p.flavor_data FROM flavor f JOIN flavor_profile p ON p.id = f.flavor_profile_id WHERE f.id = $1 FOR SHARE`,
        [body.flavor_id],
      );
      if (!flavor) throw ApiFault.validation('Invalid flavor_id.');
      if (!flavor.enabled) throw ApiFault.disabledOption('flavor', body.flavor_id);
      flavorProvider = flavor.provider_name;
      flavorData = parseMetadata(flavor.flavor_data, 'flavor_data');
    }
    let azData: unknown = null;
    if (body.availability_zone) {
      const [az] = await em.query(
        `SELECT a.enabled, p.availability_zone_data FROM availability_zone a JOIN availability_zone_profile p ON p.id = a.availability_zone_profile_id WHERE a.name = $1 FOR SHARE`,
        [body.availability_zone],
      );
      if (!az) throw ApiFault.validation('Invalid availability zone.');
      if (!az.enabled) throw ApiFault.disabledOption('availability_zone', body.availability_zone);
      azData = parseMetadata(az.availability_zone_data, 'availability_zone_data');
    }
    if (body.provider && flavorProvider && driverFor(body.provider) !== driverFor(flavorProvider)) {
      throw ApiFault.badRequest(`Flavor '${body.flavor_id}' is not compatible with provider '${body.provider}'`);
    }
    const provider = flavorProvider ?? body.provider ?? this.core.config.api.defaultProviderDriver;
    const driver = this.providers.driverOf(provider);
    const flavor = isObject(flavorData) ? flavorData : null;
    const az = isObject(azData) ? azData : null;
    const topology = flavor?.loadbalancer_topology === 'ACTIVE_STANDBY' || flavor?.loadbalancer_topology === 'SINGLE'
      ? (flavor.loadbalancer_topology as Topology)
      : this.core.config.controllerWorker.loadbalancerTopology;
    return {
      provider, driver, flavorData, azData,
      flavorMetadata: flavor, azMetadata: az, topology,
      sriovVip: flavor?.sriov_vip === true,
      validVipNetworks: Array.isArray(az?.valid_vip_networks) ? (az!.valid_vip_networks as string[]) : null,
    };
  }

  /** The provider checks the metadata again: a profile may predate a stricter driver (501 on refusal). */
  validateMetadata(p: Placement & { flavorData: unknown; azData: unknown }, body: { flavor_id?: string | null; availability_zone?: string | null }): void {
    if (body.flavor_id) this.providers.validate(p.provider, 'flavor', p.flavorData);
    if (body.availability_zone) this.providers.validate(p.provider, 'availabilityZone', p.azData);
  }

  checkVipNetwork(p: Placement, networkId: string): void {
    if (p.validVipNetworks && !p.validVipNetworks.includes(networkId)) {
      throw ApiFault.validation('Supplied VIP network_id is not allowed by the configuration of this deployment.');
    }
  }

  /** Members of a fully populated create may only ask for SR-IOV ports when the flavor allows it. */
  checkGraphMembers(p: Placement, raw: Record<string, unknown>): void {
    if (p.flavorMetadata?.allow_member_sriov === true) return;
    const pools: unknown[] = [...((raw.pools as unknown[]) ?? [])];
    for (const l of (raw.listeners as Array<Record<string, unknown>>) ?? []) {
      if (l?.default_pool) pools.push(l.default_pool);
      for (const pol of (l?.l7policies as Array<Record<string, unknown>>) ?? []) if (pol?.redirect_pool) pools.push(pol.redirect_pool);
    }
    const sriov = pools.some((pool) => ((pool as Record<string, unknown>)?.members as Array<Record<string, unknown>> | undefined)?.some((m) => m?.request_sriov === true));
    if (sriov) throw ApiFault.badRequest('The load balancer flavor does not allow SR-IOV member ports.');
  }

  /** What the worker's create flow reads: flavor metadata with the effective topology, and AZ metadata. */
  flowPayload(p: Placement): Record<string, unknown> {
    return { flavor: { ...(p.flavorMetadata ?? {}), loadbalancer_topology: p.topology }, availability_zone: p.azMetadata ?? {} };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

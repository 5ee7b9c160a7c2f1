import { Injectable } from '@nestjs/common';
import { AvailabilityZoneProfileEntity } from '../../../../../libs/database/src';
import { ApiCore } from '../../core/write-unit';
import { ProviderCatalog } from '../providers/provider-catalog';
import { ProviderProfileService } from '../providers/provider-profile.service';

/** Availability zone profiles (spec 9.13): admin only; the provider checks the data; in use by an AZ → 409. */
@Injectable()
export class AvailabilityZoneProfileService extends ProviderProfileService {
  constructor(core: ApiCore, providers: ProviderCatalog) {
    super(core, providers, {
      table: 'availability_zone_profile',
      entity: AvailabilityZoneProfileEntity,
      dataKey: 'availability_zone_data',
      dataProperty: 'availabilityZoneData',
      capability: 'availabilityZone',
      collection: 'availability_zone_profiles',
      links: 'availability_zone_profile_links',
      label: 'Availability Zone Profile',
      usedBy: { table: 'availability_zone', column: 'availability_zone_profile_id' },
    });
  }
}

import { Injectable } from '@nestjs/common';
import { FlavorProfileEntity } from '../../../../../libs/database/src';
import { ApiCore } from '../../core/write-unit';
import { ProviderCatalog } from '../providers/provider-catalog';
import { ProviderProfileService } from '../providers/provider-profile.service';

/** Flavor profiles (spec 9.11): admin only; the provider checks `flavor_data`; in use by a flavor → 409. */
@Injectable()
export class FlavorProfileService extends ProviderProfileService {
  constructor(core: ApiCore, providers: ProviderCatalog) {
    super(core, providers, {
      table: 'flavor_profile',
      entity: FlavorProfileEntity,
      dataKey: 'flavor_data',
      dataProperty: 'flavorData',
      capability: 'flavor',
      collection: 'flavorprofiles',
      links: 'flavorprofile_links',
      label: 'Flavor profile',
      usedBy: { table: 'flavor', column: 'flavor_profile_id' },
    });
  }
}

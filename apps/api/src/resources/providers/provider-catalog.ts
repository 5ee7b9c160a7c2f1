import { Injectable } from '@nestjs/common';
import { ApiFault } from '../../common/api-fault';
import { ApiCore } from '../../core/write-unit';
import { validateMetadata } from './metadata-schema';
import { advertisedCapabilities, capabilitiesOf, driverFor } from './provider-capabilities';

export type MetadataKind = 'flavor' | 'availabilityZone';

/**
 * The enabled providers (`[api_settings] enabled_provider_drivers` minus drivers this build cannot load)
 * and their metadata checks, with upstream's answers: 400 not enabled, 501 not loadable, 501 for
 * metadata the driver does not support.
 */
@Injectable()
export class ProviderCatalog {
  constructor(private readonly core: ApiCore) {}

  /** `{name, description}` of every provider that can serve requests. */
  list(): Array<{ name: string; description: string }> {
    return Object.entries(this.core.config.api.enabledProviderDrivers)
      .filter(([name]) => this.core.hasProvider(driverFor(name)))
      .map(([name, description]) => ({ name, description }));
  }

  /** The driver behind an enabled provider name. */
  driverOf(provider: string): string {
    if (!(provider in this.core.config.api.enabledProviderDrivers)) throw ApiFault.badRequest(`Provider '${provider}' is not enabled.`);
    const driver = driverFor(provider);
    if (!this.core.hasProvider(driver)) throw new ApiFault(501, `Provider '${provider}' was not found.`);
    return driver;
  }

  capabilities(provider: string, kind: MetadataKind): Array<{ name: string; description: string }> {
    const driver = this.driverOf(provider);
    const caps = advertisedCapabilities(driver, kind);
    if (!caps) throw notImplemented(provider, kind);
    return caps;
  }

  /** The driver's own check of flavor / AZ metadata (a parsed JSON value). */
  validate(provider: string, kind: MetadataKind, data: unknown): void {
    const driver = this.driverOf(provider);
    const caps = capabilitiesOf(driver);
    if (!caps) throw notImplemented(provider, kind);
    const schema = caps[kind];
    // The no-op driver accepts anything that is a JSON object.
    if (schema === null) {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw unsupported(provider, 'The metadata must be a JSON object.');
      return;
    }
    const problem = validateMetadata(schema, data);
    if (problem) throw unsupported(provider, problem);
  }
}

export function unsupported(provider: string, message: string): ApiFault {
  return new ApiFault(501, `Provider '${provider}' does not support a requested option: ${message}`);
}

function notImplemented(provider: string, kind: MetadataKind): ApiFault {
  const what = kind === 'flavor' ? 'flavors' : 'availability zones';
  return new ApiFault(501, `Provider '${provider}' does not support a requested action: This provider does not support ${what}.`);
}

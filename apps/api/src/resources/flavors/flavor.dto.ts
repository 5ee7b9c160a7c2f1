import { BoolField, StringField, UuidField } from '../../validation/fields';

export class FlavorCreateDto {
  @StringField({ max: 255, required: true }) name: string;
  @StringField({ max: 255 }) description?: string | null;
  @BoolField() enabled?: boolean | null;
  @UuidField({ required: true }) flavor_profile_id: string;
}

/** `flavor_profile_id` cannot be changed (an unknown attribute on PUT, as upstream). */
export class FlavorUpdateDto {
  @StringField({ max: 255 }) name?: string | null;
  @StringField({ max: 255 }) description?: string | null;
  @BoolField() enabled?: boolean | null;
}

/** `flavor_data` is JSON text, so line breaks between tokens are fine; control characters inside values are refused by the provider check. */
export class FlavorProfileCreateDto {
  @StringField({ max: 255, required: true }) name: string;
  @StringField({ max: 255, required: true }) provider_name: string;
  @StringField({ max: 4096, required: true, noControl: false }) flavor_data: string;
}

export class FlavorProfileUpdateDto {
  @StringField({ max: 255 }) name?: string | null;
  @StringField({ max: 255 }) provider_name?: string | null;
  @StringField({ max: 4096, noControl: false }) flavor_data?: string | null;
}

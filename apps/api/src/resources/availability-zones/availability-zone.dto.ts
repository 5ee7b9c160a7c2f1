import { BoolField, StringField, UuidField } from '../../validation/fields';

export class AvailabilityZoneCreateDto {
  @StringField({ max: 255, required: true }) name: string;
  @StringField({ max: 255 }) description?: string | null;
  @BoolField() enabled?: boolean | null;
  @UuidField({ required: true }) availability_zone_profile_id: string;
}

/** The name is the key and the profile is fixed: only these two change. */
export class AvailabilityZoneUpdateDto {
  @StringField({ max: 255 }) description?: string | null;
  @BoolField() enabled?: boolean | null;
}

export class AvailabilityZoneProfileCreateDto {
  @StringField({ max: 255, required: true }) name: string;
  @StringField({ max: 255, required: true }) provider_name: string;
  @StringField({ max: 4096, required: true, noControl: false }) availability_zone_data: string;
}

export class AvailabilityZoneProfileUpdateDto {
  @StringField({ max: 255 }) name?: string | null;
  @StringField({ max: 255 }) provider_name?: string | null;
  @StringField({ max: 4096, noControl: false }) availability_zone_data?: string | null;
}

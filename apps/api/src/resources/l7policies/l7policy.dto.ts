import { Transform } from 'class-transformer';
import { BoolField, Check, EnumField, IntField, NestedField, StringField, TagsField, UuidField, coerceInt } from '../../validation/fields';
import { L7RuleCreateDto } from '../dto/dtos';
import { L7POLICY_ACTIONS } from '../dto/shared-constants';
import { isRedirectUrl } from '../dto/validators';

export const REDIRECT_HTTP_CODES = [301, 302, 303, 307, 308] as const;
export const MAX_POSITION = 2147483647;

/** Attributes a standalone L7 policy shares between POST and PUT (spec 9.6.1). */
class L7PolicyFields {
  @StringField() name?: string | null;
  @StringField() description?: string | null;
  // Not required by the schema: a missing action is `Invalid L7 Policy action specified: None` (spec 9.6.2).
  @EnumField(L7POLICY_ACTIONS) action?: string | null;
  @UuidField() redirect_pool_id?: string | null;
  @Check('url', isRedirectUrl, 'Value must be a valid URL string') redirect_url?: string | null;
  @Check('url', isRedirectUrl, 'Value must be a valid URL string') redirect_prefix?: string | null;
  // an integer enum: numeric strings are accepted like every other integer (spec 2.3)
  @Transform(({ value }) => coerceInt(value)) @EnumField(REDIRECT_HTTP_CODES) redirect_http_code?: number | null;
  @IntField({ min: 1, max: MAX_POSITION }) position?: number | null;
  @BoolField() admin_state_up?: boolean | null;
  @TagsField() tags?: string[] | null;
}

export class L7PolicyCreateDto extends L7PolicyFields {
  @UuidField({ required: true }) listener_id: string;
  @NestedField(() => L7RuleCreateDto, { each: true }) rules?: L7RuleCreateDto[] | null;
  @StringField({ max: 36 }) project_id?: string;
  @StringField({ max: 36 }) tenant_id?: string;
}

/** `listener_id`, `rules` and the project are fixed once created: unknown attributes on PUT. */
export class L7PolicyUpdateDto extends L7PolicyFields {}

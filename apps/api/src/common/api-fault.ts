/**
 * An error the API answers with, in Octavia's fault shape:
 * `{"faultcode": "Client"|"Server", "faultstring": ..., "debuginfo": null}`.
 */
export class ApiFault extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }

  static badRequest(message: string): ApiFault {
    return new ApiFault(400, message);
  }
  static validation(detail: string): ApiFault {
    return new ApiFault(400, `Validation failure: ${detail}`);
  }
  static invalidOption(value: unknown, option: string): ApiFault {
    return new ApiFault(400, `${String(value)} is not a valid option for ${option}`);
  }
  static disabledOption(option: string, value: unknown): ApiFault {
    return new ApiFault(400, `The selected ${option} is not allowed in this deployment: ${String(value)}`);
  }
  static notFound(resource: string, id: string): ApiFault {
    return new ApiFault(404, `${resource} ${id} not found.`);
  }
  static forbidden(): ApiFault {
    return new ApiFault(403, 'Policy does not allow this request to be performed.');
  }
  static quota(resource: string): ApiFault {
    return new ApiFault(403, `Quota has been met for resources: ${resource}`);
  }
  static immutable(resource: string, id: string): ApiFault {
    return new ApiFault(409, `${resource} ${id} is immutable and cannot be updated.`);
  }
  static lbPendingState(status: string, id: string): ApiFault {
    return new ApiFault(409, `Invalid state ${status} of loadbalancer resource ${id}`);
  }
  static conflict(message: string): ApiFault {
    return new ApiFault(409, message);
  }

  body(): { faultcode: string; faultstring: string; debuginfo: null } {
    return { faultcode: this.status >= 500 ? 'Server' : 'Client', faultstring: this.message, debuginfo: null };
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiFault } from './api-fault';

/** Every error leaves the API in Octavia's fault shape; anything unexpected is logged and answered with a plain 500. */
@Catch()
export class FaultFilter implements ExceptionFilter {
  private readonly logger = new Logger('FaultFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const fault = toFault(exception);
    if (fault.status >= 500) this.logger.error({ msg: 'unhandled error', error: String(exception), stack: (exception as Error)?.stack });
    if (res.headersSent) return;
    res.status(fault.status).type('application/json').send(JSON.stringify(fault.body()));
  }
}

export function toFault(exception: unknown): ApiFault {
  if (exception instanceof ApiFault) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return new ApiFault(404, 'The resource could not be found.');
    if (status === 405) return new ApiFault(405, 'The method is not allowed for the requested URL.');
    return new ApiFault(status, exception.message);
  }
  return new ApiFault(500, 'An unexpected error occurred while processing the request.');
}

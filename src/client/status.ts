import { StatusError, type Status, type StatusReason } from '../api/errors.ts';

/** The reason Kubernetes gives each code when a response carries no Status body (apimachinery's NewGenericServerResponse). */
const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Whether a parsed body is a meta/v1 Status. */
export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

/** Builds the StatusError a Status object describes (its code, reason, message and details). */
export function statusErrorFromStatus(status: Status, fallbackCode = 500): StatusError {
  const code = typeof status.code === 'number' && status.code > 0 ? status.code : fallbackCode;
  const reason = status.reason ?? REASON_BY_CODE[code] ?? 'InternalError';
  return new StatusError(code, reason, status.message ?? '', status.details);
}

/**
 * The StatusError for a failed HTTP response: built from the Status body when the server sent one
 * (always, for Kubernetes), else a generic error for the code, as client-go does for proxies and
 * other non-API answers.
 */
export function statusErrorFromResponse(code: number, body: Buffer | string): StatusError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed)) return statusErrorFromStatus(parsed, code);
  } catch {
    // Not JSON: fall through to the generic message.
  }
  const reason = REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
  const message = text.trim() || `the server responded with the status code ${code} but did not return more information`;
  return new StatusError(code, reason, message);
}

// A /v1 route's admission: what it asks for, with what every request's admission carries filled in
// from the request and the config — its reservation id (the request id), how long a reservation
// lasts, and the default RPM and TPM of a key without its own.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import { type Admission, type AdmitOptions, admit, type RouteAdmitRequest } from '../limits/admission';

type Asked = Omit<RouteAdmitRequest, 'reservationId' | 'reservationTtlMs' | 'defaults'>;

export function admitRoute(
  c: Context<AppEnv>,
  limits: GatewayConfig['limits'],
  asked: Asked,
  options?: AdmitOptions,
): Promise<Admission> {
  return admit(
    c.env,
    c.executionCtx,
    c.get('keyHash'),
    {
      ...asked,
      reservationId: c.get('requestId'),
      reservationTtlMs: limits.reservationTtlMs,
      defaults: { rpm: limits.rpm, tpm: limits.tpm },
    },
    options,
  );
}

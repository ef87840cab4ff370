// The 404 for a model nobody configured, told only to a known key: without this, anyone could probe
// which aliases and providers a gateway has with a made-up key (the key is otherwise checked at
// admission, after the model is resolved). One admission, as any request's, at no cost.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import { type GatewayError, modelNotFound } from '../errors';
import { admitRoute } from './route-admit';

/** The 404 for `model`, once the key is known to be live (else admit throws its 401 or 403). */
export async function modelNotFoundFor(
  c: Context<AppEnv>,
  model: string,
  limits: GatewayConfig['limits'],
): Promise<GatewayError> {
  const admitted = await admitRoute(c, limits, { model, tokens: 0, costUsd: 0 });
  const log = c.get('log');
  log.admitted(admitted.key);
  // Refused before its guardrails ran: the log keeps none of the client's unscanned text.
  log.requestBody(undefined);
  admitted.settle({ tokens: 0, costUsd: 0 });
  return modelNotFound(model);
}

// Refuses a config change that would leave a key's or team's routing pin naming what the config no
// longer has (a provider, a model alias), or leading back to itself: such a target is passed over,
// and a request it leaves with none is refused (503 routing_pin_unresolved), so the pins change first.
import type { GatewayConfig } from '../config/schema';
import { describeFailure } from '../describe-error';
import { GatewayError, unavailableNow } from '../errors';
import { paramPath } from '../openai/read-body';
import { newPinProblem, type PinProblem, type Pins } from '../routing/pin-check';
import { pinnedKeys, pinnedTeams } from './pin-holders';

/** At most this many holders are named in the refusal; the rest are counted. */
const LISTED = 5;

/**
 * Throws 409 `routing_pin_in_use` when an entry of a team's pins, or of a key's not revoked (with its
 * team's beside it), resolves under `previous` but not under `next`. An entry already broken is not
 * this change's doing; with the previous config unknown (unreadable), nothing is refused, so that a
 * PUT can always repair it (the request-time check still refuses what a broken pin routes).
 */
export async function checkPinsStillResolve(
  db: D1Database,
  previous: GatewayConfig | undefined,
  next: GatewayConfig,
): Promise<void> {
  if (!previous || sameRoutes(previous, next)) return;
  let holders: { teams: Map<string, Pins>; keys: Awaited<ReturnType<typeof pinnedKeys>> };
  try {
    const [teams, keys] = await Promise.all([pinnedTeams(db), pinnedKeys(db)]);
    holders = { teams, keys };
  } catch (error) {
    console.error('routing pins not read', describeFailure(error));
    throw unavailableNow(
      'storage_unavailable',
      'Could not check the routing pins of keys and teams against this config; the previous config stays in force. Try again.',
    );
  }
  const broken: { holder: string; problem: PinProblem }[] = [];
  const check = (holder: string, pin: Pins, own: readonly string[]) => {
    const problem = newPinProblem({ pin, config: previous }, { pin, config: next }, own);
    if (problem) broken.push({ holder, problem });
  };
  for (const [id, pin] of holders.teams) check(`team ${id}`, pin, Object.keys(pin));
  for (const key of holders.keys) {
    const team = key.teamId === null ? undefined : holders.teams.get(key.teamId);
    check(`key ${key.id}`, { ...team, ...key.pin }, Object.keys(key.pin));
  }
  const [first] = broken;
  if (!first) return;
  const listed = broken
    .slice(0, LISTED)
    .map(
      ({ holder, problem }) =>
        `${holder}: ${paramPath(['routing', ...problem.path])} needs ${problem.missing}`,
    );
  const more = broken.length > LISTED ? `; and ${broken.length - LISTED} more` : '';
  throw new GatewayError(
    409,
    'invalid_request_error',
    'routing_pin_in_use',
    `This change would leave the routing pins of ${broken.length} key${broken.length === 1 ? '' : 's'} or team${broken.length === 1 ? '' : 's'} naming what the config would no longer have (${listed.join('; ')}${more}): such a target is passed over, and a request left with no target is refused. The previous config stays in force. Change those pins first (PATCH the key's or team's "routing"), or keep what they name.`,
    first.problem.path.at(-1) === 'provider' ? 'providers' : 'models',
  );
}

/** Pins resolve against provider names and model routes only: a change elsewhere cannot break one. */
function sameRoutes(a: GatewayConfig, b: GatewayConfig): boolean {
  const names = (config: GatewayConfig) => JSON.stringify(Object.keys(config.providers).sort());
  return names(a) === names(b) && JSON.stringify(a.models) === JSON.stringify(b.models);
}

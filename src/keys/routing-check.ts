// Admin-time check of a key's or team's `routing` pins against the current config (routing/pin-check.ts),
// and against each other: a key's pins and its team's are in force together (the key's win), so a
// pin naming what the config lacks, or a key's and a team's pin that lead back to each other, is
// refused here, not discovered by the first request.
import type { Context } from 'hono';
import { currentConfig } from '../config/store';
import type { AppEnv } from '../env';
import { invalidRequest } from '../errors';
import { paramPath } from '../openai/read-body';
import type { RoutingOverride } from '../routing/overrides';
import { newPinProblem, type PinProblem, type Pins, type PinsUnder, pinProblem } from '../routing/pin-check';
import { pinnedKeys } from './pin-holders';
import { getTeam } from './team-store';

/** Member keys named in a refusal; the rest are counted. */
const LISTED = 3;

/** What decides a key's pins: its own, and its team's (by id) beside them. */
export interface KeyPins {
  routing: RoutingOverride | null | undefined;
  teamId: string | null | undefined;
}

/**
 * A key's pins, with those of its team beside them: throws 400 naming the key's field
 * (`routing.pin.fast.targets[0].provider`) when one resolves to nothing or leads back to itself —
 * unless it did so already `before` this write (a pin already broken does not stop moving the key
 * to another team or changing its other pins; the request-time check refuses what it routes).
 */
export async function checkKeyPins(c: Context<AppEnv>, after: KeyPins, before?: KeyPins): Promise<void> {
  const pin = after.routing?.pin;
  if (!pin) return;
  const teamPins = async (teamId: string | null | undefined) =>
    teamId ? (await getTeam(c.env.DB, teamId))?.policy.routing?.pin : undefined;
  const team = await teamPins(after.teamId);
  const { config } = await currentConfig(c.env);
  let prior: PinsUnder | undefined;
  if (before?.routing?.pin) {
    const priorTeam = before.teamId === after.teamId ? team : await teamPins(before.teamId);
    prior = { pin: { ...priorTeam, ...before.routing.pin }, config };
  }
  const problem = newPinProblem(prior, { pin: { ...team, ...pin }, config }, Object.keys(pin));
  if (!problem) return;
  const beside = team && pinProblem(pin, config) === undefined ? ` (with team ${after.teamId}'s pins)` : '';
  throw invalidRequest(`${problem.message}${beside}`, paramPath(['routing', ...problem.path]));
}

/**
 * A team's pins `after` (`before`: what the team had; `teamId` undefined for a new team, which has
 * no keys): alone, then beside the pins of each member key not revoked — also when the team's pins
 * are removed, since a key's pin may name an alias only the team's pins gave it. Only what this
 * change breaks stops it: an entry already broken beside `before` is not its doing.
 */
export async function checkTeamPins(
  c: Context<AppEnv>,
  teamId: string | undefined,
  before: Pins | undefined,
  after: RoutingOverride | null | undefined,
): Promise<void> {
  const pin = after?.pin;
  if (!pin && !before) return;
  const { config } = await currentConfig(c.env);
  const alone = pin && newPinProblem(before && { pin: before, config }, { pin, config });
  if (alone) throw invalidRequest(alone.message, paramPath(['routing', ...alone.path]));
  if (teamId === undefined) return;
  const refused: { key: string; problem: PinProblem; mine: boolean }[] = [];
  for (const key of await pinnedKeys(c.env.DB, teamId)) {
    const prior = { pin: { ...before, ...key.pin }, config };
    const next = { pin: { ...pin, ...key.pin }, config };
    const teams = Object.keys(pin ?? {}).filter((alias) => !Object.hasOwn(key.pin, alias));
    const problem = newPinProblem(prior, next, teams);
    if (problem) refused.push({ key: key.id, problem, mine: true });
    else {
      const keys = newPinProblem(prior, next, Object.keys(key.pin));
      if (keys) refused.push({ key: key.id, problem: keys, mine: false });
    }
  }
  const [first] = refused;
  if (!first) return;
  const ids = refused.slice(0, LISTED).map((entry) => entry.key);
  const listed = `${ids.join(', ')}${refused.length > LISTED ? ', …' : ''}`;
  const field = paramPath(['routing', ...first.problem.path]);
  throw invalidRequest(
    `Beside the pins of ${refused.length} of its keys (${listed}), this team's pins would leave theirs naming nothing; for key ${first.key}${first.mine ? '' : `, at its ${field}`}: ${first.problem.message} Change those keys' pins first (PATCH /admin/keys/<id> "routing"), or pin otherwise.`,
    first.mine ? field : 'routing.pin',
  );
}

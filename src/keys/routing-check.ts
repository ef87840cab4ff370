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
import { type PinProblem, type Pins, pinProblem } from '../routing/pin-check';
import { pinnedKeys } from './pin-holders';
import { getTeam } from './team-store';

/** Member keys named in a refusal; the rest are counted. */
const LISTED = 3;

/**
 * A key's pins, with those of its team `teamId` beside them: throws 400 naming the key's field
 * (`routing.pin.fast.targets[0].provider`) when one resolves to nothing or leads back to itself.
 */
export async function checkKeyPins(
  c: Context<AppEnv>,
  routing: RoutingOverride | null | undefined,
  teamId: string | null | undefined,
): Promise<void> {
  if (!routing?.pin) return;
  const team = teamId ? (await getTeam(c.env.DB, teamId))?.policy.routing?.pin : undefined;
  const { config } = await currentConfig(c.env);
  const problem = pinProblem({ ...team, ...routing.pin }, config, Object.keys(routing.pin));
  if (!problem) return;
  const beside = team && pinProblem(routing.pin, config) === undefined ? ` (with team ${teamId}'s pins)` : '';
  throw invalidRequest(`${problem.message}${beside}`, paramPath(['routing', ...problem.path]));
}

/**
 * A team's pins `after` (`before`: what the team had; `teamId` undefined for a new team, which has
 * no keys): each alone, then beside the pins of each member key not revoked. A key whose pins were
 * already broken beside `before` does not stop the change (this change is not what breaks it).
 */
export async function checkTeamPins(
  c: Context<AppEnv>,
  teamId: string | undefined,
  before: Pins | undefined,
  after: RoutingOverride | null | undefined,
): Promise<void> {
  if (!after?.pin) return;
  const { config } = await currentConfig(c.env);
  const alone = pinProblem(after.pin, config);
  if (alone) throw invalidRequest(alone.message, paramPath(['routing', ...alone.path]));
  if (teamId === undefined) return;
  const refused: { key: string; problem: PinProblem; mine: boolean }[] = [];
  for (const key of await pinnedKeys(c.env.DB, teamId)) {
    const merged = { ...after.pin, ...key.pin };
    if (pinProblem({ ...before, ...key.pin }, config)) continue;
    const teams = Object.keys(after.pin).filter((alias) => !Object.hasOwn(key.pin, alias));
    const problem = pinProblem(merged, config, teams);
    if (problem) refused.push({ key: key.id, problem, mine: true });
    else {
      const keys = pinProblem(merged, config, Object.keys(key.pin));
      if (keys) refused.push({ key: key.id, problem: keys, mine: false });
    }
  }
  const [first] = refused;
  if (!first) return;
  const ids = refused.slice(0, LISTED).map((entry) => entry.key);
  const listed = `${ids.join(', ')}${refused.length > LISTED ? ', …' : ''}`;
  const field = paramPath(['routing', ...first.problem.path]);
  throw invalidRequest(
    `Beside the pins of ${refused.length} of its keys (${listed}), this team's pins would route to nothing; for key ${first.key}${first.mine ? '' : `, at its ${field}`}: ${first.problem.message} Change those keys' pins first (PATCH /admin/keys/<id> "routing"), or pin otherwise.`,
    first.mine ? field : 'routing.pin',
  );
}

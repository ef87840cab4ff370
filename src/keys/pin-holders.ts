// D1 reads of the routing pins that keys and teams hold, for the admin writes that must not leave
// one naming nothing (pins-in-use.ts, routing-check.ts). Admin path only; requests never read these.
import * as z from 'zod';
import { describeFailure } from '../describe-error';
import { routeSchema } from '../routing/config-schema';
import type { Pins } from '../routing/pin-check';

const pinsSchema = z.record(z.string(), routeSchema);
const HAS_PIN = "json_type(policy, '$.routing.pin') = 'object'";

export interface PinnedKey {
  id: string;
  teamId: string | null;
  pin: Pins;
}

/** Every live team with pins, by id (a retired one routes nothing, and can no longer be changed). */
export async function pinnedTeams(db: D1Database): Promise<Map<string, Pins>> {
  const { results } = await db
    .prepare(
      `SELECT id, json_extract(policy, '$.routing.pin') AS pin FROM teams
        WHERE retired_at IS NULL AND ${HAS_PIN}`,
    )
    .all<{ id: string; pin: string }>();
  const teams = new Map<string, Pins>();
  for (const row of results) {
    const pin = readPin('team', row);
    if (pin) teams.set(row.id, pin);
  }
  return teams;
}

/**
 * The keys not revoked that have pins of their own (of team `teamId` only, when given). A revoked
 * key routes nothing; an expired one still counts, as it may be extended.
 */
export async function pinnedKeys(db: D1Database, teamId?: string): Promise<PinnedKey[]> {
  const { results } = await db
    .prepare(
      `SELECT id, team_id, json_extract(policy, '$.routing.pin') AS pin FROM keys
        WHERE revoked_at IS NULL AND ${HAS_PIN} ${teamId === undefined ? '' : 'AND team_id = ?'}`,
    )
    .bind(...(teamId === undefined ? [] : [teamId]))
    .all<{ id: string; team_id: string | null; pin: string }>();
  return results.flatMap((row) => {
    const pin = readPin('key', row);
    return pin ? [{ id: row.id, teamId: row.team_id, pin }] : [];
  });
}

/** A stored pin this version cannot read is passed over (its policy cannot be read either), said in the log. */
function readPin(kind: 'key' | 'team', row: { id: string; pin: string }): Pins | undefined {
  try {
    const parsed = pinsSchema.safeParse(JSON.parse(row.pin));
    if (parsed.success) return parsed.data;
    console.error(`stored ${kind} pin unreadable`, row.id, parsed.error.issues.slice(0, 3));
  } catch (error) {
    console.error(`stored ${kind} pin unreadable`, row.id, describeFailure(error));
  }
  return undefined;
}

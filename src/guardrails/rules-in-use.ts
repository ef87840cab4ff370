// Refuses a config change that would remove a guardrail rule some key or team still names: their
// requests would then fail closed (rules.ts), so the rule's removal must wait until they drop it.
import type { GatewayConfig } from '../config/schema';
import { describeFailure } from '../describe-error';
import { GatewayError, unavailableNow } from '../errors';

/** At most this many namers are listed in the refusal. */
const LISTED = 10;

/**
 * Throws 409 `guardrail_in_use` when `next` drops a rule that `previous` defined (every rule it
 * lacks, when the previous config is unknown) and a live key or any team still names it.
 */
export async function checkRulesStillNamed(
  db: D1Database,
  previous: GatewayConfig | undefined,
  next: GatewayConfig,
): Promise<void> {
  const kept = new Set(next.guardrails.map((rule) => rule.name));
  const removed = previous?.guardrails.map((rule) => rule.name).filter((name) => !kept.has(name));
  if (removed?.length === 0) return;
  let namers: Namer[];
  try {
    namers = await namersOf(db, removed, [...kept]);
  } catch (error) {
    console.error('guardrail namers not read', describeFailure(error));
    throw unavailableNow(
      'storage_unavailable',
      'Could not check which keys and teams name the guardrail rules this change removes; the previous config stays in force. Try again.',
    );
  }
  if (namers.length === 0) return;
  const list = namers.map((n) => `${n.kind} ${n.id} names '${n.rule}'`).join(', ');
  throw new GatewayError(
    409,
    'invalid_request_error',
    'guardrail_in_use',
    `This change would remove guardrail rules still in use (${list}${namers.length === LISTED ? ', …' : ''}); the previous config stays in force. Remove the names from those policies first (PATCH their "guardrails"), or keep the rules ("enabled": false applies a rule only where it is named).`,
    'guardrails',
  );
}

interface Namer {
  kind: 'key' | 'team';
  id: string;
  rule: string;
}

/** Keys not revoked (an expired one may be extended) and live teams whose selection adds one of `removed` (or, when undefined, any rule not in `kept`). */
async function namersOf(db: D1Database, removed: string[] | undefined, kept: string[]): Promise<Namer[]> {
  const match =
    removed === undefined
      ? 'g.value NOT IN (SELECT value FROM json_each(?1))'
      : 'g.value IN (SELECT value FROM json_each(?1))';
  const names = JSON.stringify(removed ?? kept);
  const { results } = await db
    .prepare(
      `SELECT 'key' AS kind, k.id AS id, g.value AS rule
         FROM keys k, json_each(k.policy, '$.guardrails') g
        WHERE k.revoked_at IS NULL
          AND g.type = 'text' AND substr(g.value, 1, 1) <> '-' AND ${match}
       UNION ALL
       SELECT 'team', t.id, g.value
         FROM teams t, json_each(t.policy, '$.guardrails') g
        WHERE t.retired_at IS NULL
          AND g.type = 'text' AND substr(g.value, 1, 1) <> '-' AND ${match}
       LIMIT ${LISTED}`,
    )
    .bind(names)
    .all<Namer>();
  return results;
}

// The audit log: one D1 row per successful admin mutation — who (root or an admin token), what,
// the state before and after (secrets redacted), when. Written after the change succeeded.
import type { Context } from 'hono';
import * as z from 'zod';
import { randomId } from '../auth/gateway-key';
import { ROOT } from '../auth/principal';
import { describeFailure } from '../describe-error';
import type { AppEnv } from '../env';

export const TARGET_TYPES = ['config', 'guardrails', 'key', 'team', 'token'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
/** Every action an audit row may name (`<target>.<verb>`), so a filter naming another is refused. */
export const AUDIT_ACTIONS = [
  'config.update',
  'guardrails.update',
  'key.create',
  'key.update',
  'key.rotate',
  'key.revoke',
  'team.create',
  'team.update',
  'team.retire',
  'token.create',
  'token.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  targetType: TargetType;
  targetId?: string | null;
  teamId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Field names that hold credentials where the gateway records them. */
const SECRET_FIELDS = new Set(['key', 'token', 'hash', 'keyHash', 'tokenHash', 'secret']);
/** What a credential looks like there: a gateway key, an admin token, a SHA-256 hex digest. */
const CREDENTIAL = /^(?:tga?-[\w-]{16,}|[0-9a-f]{64})$/;

/**
 * Drops credentials at any depth (config values are redacted by their own rules first): a field
 * of those names holding one. Only those: an alias named `token`, or a routing rule on a metadata
 * field named `key`, is part of the change and stays in the record.
 */
export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(
        ([field, inner]) =>
          !(SECRET_FIELDS.has(field) && typeof inner === 'string' && CREDENTIAL.test(inner)),
      )
      .map(([field, inner]) => [field, scrub(inner)]),
  );
}

const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(scrub(value));

/** D1 tries per audit row, with a short pause between them. */
export const AUDIT_TRIES = 3;

/**
 * D1 refuses a row over 2 MB, and a config may be 1 MiB: its before and after together might not
 * be stored. Past this many bytes `before` is left out: it is what this target's earlier entries
 * (for a config, its config and guardrails entries) made it.
 */
export const MAX_AUDIT_BYTES = 1_900_000;
export const BEFORE_OMITTED = {
  omitted: "too large to store beside 'after': see this target's earlier entries",
};
const utf8 = new TextEncoder();

function beforeAndAfter(entry: AuditEntry): [string | null, string | null] {
  const before = json(entry.before);
  const after = json(entry.after);
  if (before === null) return [before, after];
  const chars = before.length + (after?.length ?? 0);
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: counted exactly only when it could matter.
  const tooLarge =
    chars * 3 > MAX_AUDIT_BYTES &&
    (chars > MAX_AUDIT_BYTES ||
      utf8.encode(before).length + utf8.encode(after ?? '').length > MAX_AUDIT_BYTES);
  return tooLarge ? [json(BEFORE_OMITTED), after] : [before, after];
}

/**
 * Records a mutation. The change itself already happened, so a failed write is not thrown at the
 * admin: it is retried (the row id is fixed, so a retry after a lost reply cannot duplicate it), and
 * should D1 stay down the whole record goes to the Worker's logs instead (Workers Logs keeps it).
 */
export async function audit(c: Context<AppEnv>, entry: AuditEntry): Promise<void> {
  const actor = c.get('principal') ?? ROOT;
  const values = [
    randomId('aud'),
    Date.now(),
    actor.id,
    actor.name,
    actor.role,
    entry.action,
    entry.targetType,
    entry.targetId ?? null,
    entry.teamId ?? null,
    ...beforeAndAfter(entry),
    c.get('requestId') ?? null,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      await c.env.DB.prepare(
        `INSERT OR IGNORE INTO audit_log (id, time, actor, actor_name, actor_role, action, target_type,
                                          target_id, team_id, before, after, request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
        .bind(...values)
        .run();
      return;
    } catch (error) {
      if (attempt >= AUDIT_TRIES) {
        // The record is the row GET /admin/audit would show: before and after scrubbed of key and
        // token secrets and hashes, a config's provider secrets redacted by its callers.
        console.error('audit write failed; the record:', JSON.stringify(values), describeFailure(error));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

const row = z.object({
  id: z.string(),
  time: z.number(),
  actor: z.string(),
  actor_name: z.string(),
  actor_role: z.string(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string().nullable(),
  team_id: z.string().nullable(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  request_id: z.string().nullable(),
});

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  team?: string;
  since?: number;
  until?: number;
}

export async function listAudit(
  db: D1Database,
  filter: AuditFilter,
  page: { limit: number; cursor?: { createdAt: number; id: string } },
) {
  const where: string[] = [];
  const binds: unknown[] = [];
  const equal: [keyof AuditFilter, string][] = [
    ['actor', 'actor'],
    ['action', 'action'],
    ['targetType', 'target_type'],
    ['targetId', 'target_id'],
    ['team', 'team_id'],
  ];
  for (const [field, column] of equal) {
    if (filter[field] === undefined) continue;
    where.push(`${column} = ?`);
    binds.push(filter[field]);
  }
  if (filter.since !== undefined) {
    where.push('time >= ?');
    binds.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('time < ?');
    binds.push(filter.until);
  }
  if (page.cursor) {
    where.push('(time < ? OR (time = ? AND id < ?))');
    binds.push(page.cursor.createdAt, page.cursor.createdAt, page.cursor.id);
  }
  const { results } = await db
    .prepare(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time DESC, id DESC LIMIT ?`,
    )
    .bind(...binds, page.limit + 1)
    .all();
  const rows = results.slice(0, page.limit).map((value) => row.parse(value));
  return { rows, more: results.length > page.limit };
}

export function presentAudit(r: z.infer<typeof row>) {
  return {
    id: r.id,
    object: 'gateway.audit',
    time: new Date(r.time).toISOString(),
    actor: { id: r.actor, name: r.actor_name, role: r.actor_role },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    team: r.team_id,
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
    requestId: r.request_id,
  };
}

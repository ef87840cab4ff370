// D1 access for key metadata: the listing and admin source. The hot path never reads this; it asks
// the key's Durable Object, which admin writes update in the same request.
import * as z from 'zod';
import { type KeyPolicy, keyPolicySchema } from './policy';

const row = z.object({
  id: z.string(),
  name: z.string(),
  key_hash: z.string(),
  key_prefix: z.string(),
  team_id: z.string().nullable(),
  policy: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  revoked_at: z.number().nullable(),
});

export interface StoredKey {
  hash: string;
  prefix: string;
  createdAt: number;
  updatedAt: number;
  policy: KeyPolicy;
}

function fromRow(value: unknown): StoredKey {
  const r = row.parse(value);
  const policy = keyPolicySchema.parse({
    ...JSON.parse(r.policy),
    id: r.id,
    name: r.name,
    teamId: r.team_id,
    revokedAt: r.revoked_at,
  });
  return { hash: r.key_hash, prefix: r.key_prefix, createdAt: r.created_at, updatedAt: r.updated_at, policy };
}

function policyColumn(policy: KeyPolicy): string {
  const { id: _id, name: _name, teamId: _team, revokedAt: _revoked, ...rest } = policy;
  return JSON.stringify(rest);
}

/** A key's team, when it has one, must be live for the write: retiring a team checks the other way. */
const TEAM_LIVE = '(?5 IS NULL OR EXISTS (SELECT 1 FROM teams WHERE id = ?5 AND retired_at IS NULL))';

/**
 * Inserts the key; false (nothing written) when its team was retired meanwhile (team-store.ts
 * retireTeam), so that a retired team never gains a key.
 */
export async function insertKey(db: D1Database, key: StoredKey): Promise<boolean> {
  const p = key.policy;
  const { meta } = await db
    .prepare(
      `INSERT INTO keys (id, name, key_hash, key_prefix, team_id, policy, created_at, updated_at, revoked_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE ${TEAM_LIVE}`,
    )
    .bind(
      p.id,
      p.name,
      key.hash,
      key.prefix,
      p.teamId,
      policyColumn(p),
      key.createdAt,
      key.updatedAt,
      p.revokedAt,
    )
    .run();
  return meta.changes === 1;
}

/**
 * Stores a changed policy only if the row is still the one read (its updated_at is `basedOn`);
 * false when another write came first, and nothing was written. A key not revoked is stored only
 * in a live team (its team retired meanwhile: false too, and the next read says so).
 */
export async function updateKey(
  db: D1Database,
  policy: KeyPolicy,
  updatedAt: number,
  basedOn: number,
): Promise<boolean> {
  const { meta } = await db
    .prepare(
      `UPDATE keys SET name = ?1, team_id = ?5, policy = ?2, updated_at = ?3, revoked_at = ?4
       WHERE id = ?6 AND updated_at = ?7 AND (?4 IS NOT NULL OR ${TEAM_LIVE})`,
    )
    .bind(policy.name, policyColumn(policy), updatedAt, policy.revokedAt, policy.teamId, policy.id, basedOn)
    .run();
  return meta.changes === 1;
}

export async function getKey(db: D1Database, id: string): Promise<StoredKey | null> {
  const found = await db.prepare('SELECT * FROM keys WHERE id = ?').bind(id).first();
  return found ? fromRow(found) : null;
}

/** A policy with a budget: `budget` is stored in the policy column's JSON (a JSON null reads as SQL NULL). */
export const HAS_BUDGET = "json_extract(policy, '$.budget') IS NOT NULL";

export interface ListKeysQuery {
  limit: number;
  cursor?: { createdAt: number; id: string };
  teamId?: string;
  includeRevoked: boolean;
  /** Only keys with a budget of their own. */
  budgeted?: boolean;
}

/** Newest first; the cursor is the (created_at, id) of the last row of the previous page. */
export async function listKeys(
  db: D1Database,
  query: ListKeysQuery,
): Promise<{ keys: StoredKey[]; more: boolean }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (query.cursor) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    binds.push(query.cursor.createdAt, query.cursor.createdAt, query.cursor.id);
  }
  if (query.teamId) {
    where.push('team_id = ?');
    binds.push(query.teamId);
  }
  if (!query.includeRevoked) where.push('revoked_at IS NULL');
  if (query.budgeted) where.push(HAS_BUDGET);
  const sql = `SELECT * FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY created_at DESC, id DESC LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...binds, query.limit + 1)
    .all();
  const keys = results.slice(0, query.limit).map(fromRow);
  return { keys, more: results.length > query.limit };
}

/** How many keys not revoked (expired ones count: a PATCH may extend them) belong to the team, and the first `listed` ids. */
export async function liveKeysOfTeam(
  db: D1Database,
  teamId: string,
  listed: number,
): Promise<{ count: number; ids: string[] }> {
  const { results } = await db
    .prepare(
      `SELECT id, COUNT(*) OVER () AS count FROM keys WHERE team_id = ? AND revoked_at IS NULL
        ORDER BY created_at, id LIMIT ?`,
    )
    .bind(teamId, listed)
    .all<{ id: string; count: number }>();
  return { count: results[0]?.count ?? 0, ids: results.map((r) => r.id) };
}

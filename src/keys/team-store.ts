// D1 access for teams. The team's Durable Object (`team:<id>`) holds the same policy for the hot path.
import * as z from 'zod';
import { type AdminToken, adminTokenFromRow } from '../auth/admin-token-store';
import { type KeyPolicy, keyPolicySchema } from './policy';
import { HAS_BUDGET } from './store';

const row = z.object({
  id: z.string(),
  name: z.string(),
  policy: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  /** Migration 0010: when the team was retired (DELETE), null while it is live. */
  retired_at: z.number().nullable(),
});

export interface StoredTeam {
  createdAt: number;
  updatedAt: number;
  /** `revokedAt` is the time the team was retired (the `retired_at` column), null while it is live. */
  policy: KeyPolicy;
}

function fromRow(value: unknown): StoredTeam {
  const r = row.parse(value);
  const policy = keyPolicySchema.parse({
    ...JSON.parse(r.policy),
    kind: 'team',
    id: r.id,
    name: r.name,
    revokedAt: r.retired_at,
  });
  return { createdAt: r.created_at, updatedAt: r.updated_at, policy };
}

const policyColumn = (p: KeyPolicy) =>
  JSON.stringify({ ...p, id: undefined, name: undefined, revokedAt: undefined });

export async function insertTeam(db: D1Database, team: StoredTeam): Promise<void> {
  const p = team.policy;
  await db
    .prepare('INSERT INTO teams (id, name, policy, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    .bind(p.id, p.name, policyColumn(p), team.createdAt, team.updatedAt)
    .run();
}

/** As updateKey: written only if the row's updated_at is still `basedOn` (and it is not retired). */
export async function updateTeam(
  db: D1Database,
  policy: KeyPolicy,
  updatedAt: number,
  basedOn: number,
): Promise<boolean> {
  const { meta } = await db
    .prepare(
      `UPDATE teams SET name = ?, policy = ?, updated_at = ?
        WHERE id = ? AND updated_at = ? AND retired_at IS NULL`,
    )
    .bind(policy.name, policyColumn(policy), updatedAt, policy.id, basedOn)
    .run();
  return meta.changes === 1;
}

/**
 * Retires the team (`policy.revokedAt` the time) only if its row is still the one read (`basedOn`)
 * and no key that is not revoked belongs to it, and in the same transaction revokes the admin
 * tokens limited to it: a key or token written meanwhile is either seen here (nothing is written)
 * or refused by its own write (insertKey, insertAdminToken). The tokens revoked, or null when
 * nothing was written.
 */
export async function retireTeam(
  db: D1Database,
  policy: KeyPolicy,
  updatedAt: number,
  basedOn: number,
): Promise<AdminToken[] | null> {
  const [team, tokens] = await db.batch([
    db
      .prepare(
        `UPDATE teams SET policy = ?1, retired_at = ?2, updated_at = ?3
          WHERE id = ?4 AND updated_at = ?5 AND retired_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM keys WHERE team_id = ?4 AND revoked_at IS NULL)`,
      )
      .bind(policyColumn(policy), policy.revokedAt, updatedAt, policy.id, basedOn),
    // Only when the statement above retired it (the retired_at and updated_at it just wrote).
    db
      .prepare(
        `UPDATE admin_tokens SET revoked_at = ?1
          WHERE team_id = ?2 AND revoked_at IS NULL
            AND EXISTS (SELECT 1 FROM teams WHERE id = ?2 AND retired_at = ?1 AND updated_at = ?3)
          RETURNING *`,
      )
      .bind(policy.revokedAt, policy.id, updatedAt),
  ]);
  if (team?.meta.changes !== 1) return null;
  return (tokens?.results ?? []).map(adminTokenFromRow);
}

export async function getTeam(db: D1Database, id: string): Promise<StoredTeam | null> {
  const found = await db.prepare('SELECT * FROM teams WHERE id = ?').bind(id).first();
  return found ? fromRow(found) : null;
}

export async function listTeams(
  db: D1Database,
  query: {
    limit: number;
    cursor?: { createdAt: number; id: string };
    budgeted?: boolean;
    includeRetired?: boolean;
  },
): Promise<{ teams: StoredTeam[]; more: boolean }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (query.cursor) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    binds.push(query.cursor.createdAt, query.cursor.createdAt, query.cursor.id);
  }
  if (query.budgeted) where.push(HAS_BUDGET);
  if (!query.includeRetired) where.push('retired_at IS NULL');
  const { results } = await db
    .prepare(
      `SELECT * FROM teams ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
    .bind(...binds, query.limit + 1)
    .all();
  return { teams: results.slice(0, query.limit).map(fromRow), more: results.length > query.limit };
}

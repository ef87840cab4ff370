// D1 access for teams. The team's Durable Object (`team:<id>`) holds the same policy for the hot path.
import { z } from 'zod';
import { type KeyPolicy, keyPolicySchema } from './policy';
import { HAS_BUDGET } from './store';

const row = z.object({
  id: z.string(),
  name: z.string(),
  policy: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
});

export interface StoredTeam {
  createdAt: number;
  updatedAt: number;
  policy: KeyPolicy;
}

function fromRow(value: unknown): StoredTeam {
  const r = row.parse(value);
  const policy = keyPolicySchema.parse({ ...JSON.parse(r.policy), kind: 'team', id: r.id, name: r.name });
  return { createdAt: r.created_at, updatedAt: r.updated_at, policy };
}

const policyColumn = (p: KeyPolicy) => JSON.stringify({ ...p, id: undefined, name: undefined });

export async function insertTeam(db: D1Database, team: StoredTeam): Promise<void> {
  const p = team.policy;
  await db
    .prepare('INSERT INTO teams (id, name, policy, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    .bind(p.id, p.name, policyColumn(p), team.createdAt, team.updatedAt)
    .run();
}

/** As updateKey: written only if the row's updated_at is still `basedOn`. */
export async function updateTeam(
  db: D1Database,
  policy: KeyPolicy,
  updatedAt: number,
  basedOn: number,
): Promise<boolean> {
  const { meta } = await db
    .prepare('UPDATE teams SET name = ?, policy = ?, updated_at = ? WHERE id = ? AND updated_at = ?')
    .bind(policy.name, policyColumn(policy), updatedAt, policy.id, basedOn)
    .run();
  return meta.changes === 1;
}

export async function getTeam(db: D1Database, id: string): Promise<StoredTeam | null> {
  const found = await db.prepare('SELECT * FROM teams WHERE id = ?').bind(id).first();
  return found ? fromRow(found) : null;
}

export async function listTeams(
  db: D1Database,
  query: { limit: number; cursor?: { createdAt: number; id: string }; budgeted?: boolean },
): Promise<{ teams: StoredTeam[]; more: boolean }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (query.cursor) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    binds.push(query.cursor.createdAt, query.cursor.createdAt, query.cursor.id);
  }
  if (query.budgeted) where.push(HAS_BUDGET);
  const { results } = await db
    .prepare(
      `SELECT * FROM teams ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
    .bind(...binds, query.limit + 1)
    .all();
  return { teams: results.slice(0, query.limit).map(fromRow), more: results.length > query.limit };
}

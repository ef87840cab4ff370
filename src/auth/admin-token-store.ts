// D1 access for admin tokens (migrations/0003_governance.sql). Tokens are looked up by the SHA-256
// of the presented secret: the secret itself is never stored or compared.
import * as z from 'zod';
import { type Principal, roleSchema } from './principal';

const row = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  team_id: z.string().nullable(),
  token_prefix: z.string(),
  created_by: z.string(),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
});

export interface AdminToken {
  id: string;
  name: string;
  role: Principal['role'];
  teamId: string | null;
  prefix: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export function adminTokenFromRow(value: unknown): AdminToken {
  const r = row.parse(value);
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    teamId: r.team_id,
    prefix: r.token_prefix,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

/**
 * Inserts the token; false (nothing written) when its team was retired meanwhile: a team-admin
 * token for a retired team would outlive the revocation that retiring the team made of the others.
 */
export async function insertAdminToken(db: D1Database, token: AdminToken, hash: string): Promise<boolean> {
  const { meta } = await db
    .prepare(
      `INSERT INTO admin_tokens (id, name, role, team_id, token_hash, token_prefix, created_by, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
        WHERE ?4 IS NULL OR EXISTS (SELECT 1 FROM teams WHERE id = ?4 AND retired_at IS NULL)`,
    )
    .bind(
      token.id,
      token.name,
      token.role,
      token.teamId,
      hash,
      token.prefix,
      token.createdBy,
      token.createdAt,
    )
    .run();
  return meta.changes === 1;
}

export async function findAdminTokenByHash(db: D1Database, hash: string): Promise<AdminToken | null> {
  const found = await db.prepare('SELECT * FROM admin_tokens WHERE token_hash = ?').bind(hash).first();
  return found ? adminTokenFromRow(found) : null;
}

export async function getAdminToken(db: D1Database, id: string): Promise<AdminToken | null> {
  const found = await db.prepare('SELECT * FROM admin_tokens WHERE id = ?').bind(id).first();
  return found ? adminTokenFromRow(found) : null;
}

/** True when this call revoked it; false when it was revoked already (by a request at the same time). */
export async function revokeAdminToken(db: D1Database, id: string, at: number): Promise<boolean> {
  const { meta } = await db
    .prepare('UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
    .bind(at, id)
    .run();
  return meta.changes > 0;
}

export async function touchAdminToken(db: D1Database, id: string, at: number): Promise<void> {
  await db.prepare('UPDATE admin_tokens SET last_used_at = ? WHERE id = ?').bind(at, id).run();
}

/** Newest first; the cursor is the (created_at, id) of the last row of the previous page. */
export async function listAdminTokens(
  db: D1Database,
  query: { limit: number; cursor?: { createdAt: number; id: string }; includeRevoked: boolean },
): Promise<{ tokens: AdminToken[]; more: boolean }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (query.cursor) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    binds.push(query.cursor.createdAt, query.cursor.createdAt, query.cursor.id);
  }
  if (!query.includeRevoked) where.push('revoked_at IS NULL');
  const { results } = await db
    .prepare(
      `SELECT * FROM admin_tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
    .bind(...binds, query.limit + 1)
    .all();
  return { tokens: results.slice(0, query.limit).map(adminTokenFromRow), more: results.length > query.limit };
}

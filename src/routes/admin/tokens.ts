// /admin/tokens — scoped admin credentials: create (the secret is shown once), list, read, revoke.
import { type Context, Hono } from 'hono';
import * as z from 'zod';
import {
  type AdminToken,
  getAdminToken,
  insertAdminToken,
  listAdminTokens,
  revokeAdminToken,
} from '../../auth/admin-token-store';
import { randomId, sha256Hex } from '../../auth/gateway-key';
import { roleSchema } from '../../auth/principal';
import type { AppEnv } from '../../env';
import { GatewayError, invalidRequest } from '../../errors';
import { audit } from '../../governance/audit';
import { iso } from '../../keys/admin-input';
import { readJsonBody, validateBody } from '../../openai/read-body';
import { displayName } from './display-name';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { flag, rejectRepeated, rejectUnknown } from './query-params';
import { mustBeLiveTeam, teamRetired } from './team-ref';

const createTokenBody = z.strictObject({
  name: displayName,
  role: roleSchema,
  /** Required for team-admin (the team it manages); refused for the other roles. */
  team: z.string().min(1).max(100).nullish(),
});

export const tokens = new Hono<AppEnv>()
  .post('/', async (c) => {
    const input = validateBody(createTokenBody, await readJsonBody(c.req.raw, 16 * 1024));
    if (input.role === 'team-admin' && !input.team)
      throw invalidRequest('A team-admin token needs the team it manages.', 'team');
    if (input.role !== 'team-admin' && input.team)
      throw invalidRequest(`A ${input.role} token is not limited to a team; omit team.`, 'team');
    if (input.team) await mustBeLiveTeam(c.env.DB, input.team);
    const secret = generateAdminToken();
    const token: AdminToken = {
      id: randomId('atk'),
      name: input.name,
      role: input.role,
      teamId: input.team ?? null,
      prefix: `${secret.slice(0, 8)}…`,
      createdBy: c.get('principal').id,
      createdAt: Date.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    if (!(await insertAdminToken(c.env.DB, token, await sha256Hex(secret))))
      throw teamRetired(input.team ?? '', 'team');
    await audit(c, {
      action: 'token.create',
      targetType: 'token',
      targetId: token.id,
      teamId: token.teamId,
      after: presentToken(token),
    });
    return c.json({ ...presentToken(token), token: secret }, 201);
  })
  .get('/', async (c) => {
    rejectUnknown(c.req.query(), ['limit', 'cursor', 'includeRevoked']);
    rejectRepeated(c.req.queries());
    const { tokens: found, more } = await listAdminTokens(c.env.DB, {
      limit: pageLimit(c.req.query('limit')),
      cursor: decodeCursor(c.req.query('cursor')),
      includeRevoked: flag(c.req.query('includeRevoked'), 'includeRevoked'),
    });
    const last = found.at(-1);
    return c.json({
      data: found.map(presentToken),
      nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null,
    });
  })
  .get('/:id', async (c) => c.json(presentToken(await mustGet(c.env.DB, c.req.param('id')))))
  .delete('/:id', async (c) => {
    const before = await mustGet(c.env.DB, c.req.param('id'));
    // Revoking is idempotent: a revoked token is answered as it is, with nothing written or audited.
    if (before.revokedAt !== null) return c.json(presentToken(before));
    const revoked = await revokeAdminToken(c.env.DB, before.id, Date.now());
    const after = await mustGet(c.env.DB, before.id);
    if (!revoked) return c.json(presentToken(after)); // another DELETE revoked it (and audited it) meanwhile
    await auditTokenRevoked(c, before, after);
    return c.json(presentToken(after));
  });

/** The audit entry of a token's revocation: by its DELETE, or by retiring its team (teams.ts). */
export function auditTokenRevoked(c: Context<AppEnv>, before: AdminToken, after: AdminToken): Promise<void> {
  return audit(c, {
    action: 'token.revoke',
    targetType: 'token',
    targetId: before.id,
    teamId: before.teamId,
    before: presentToken(before),
    after: presentToken(after),
  });
}

function generateAdminToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `tga-${btoa(binary).replaceAll('+', '-').replaceAll('/', '_')}`;
}

async function mustGet(db: D1Database, id: string): Promise<AdminToken> {
  const token = await getAdminToken(db, id);
  if (!token)
    throw new GatewayError(
      404,
      'invalid_request_error',
      'token_not_found',
      `No admin token with id '${id}'.`,
      'id',
    );
  return token;
}

/** The API view: never the secret or its hash. */
export function presentToken(token: AdminToken) {
  return {
    id: token.id,
    object: 'gateway.admin_token',
    name: token.name,
    role: token.role,
    team: token.teamId,
    prefix: token.prefix,
    createdBy: token.createdBy,
    createdAt: iso(token.createdAt),
    lastUsedAt: iso(token.lastUsedAt),
    revokedAt: iso(token.revokedAt),
  };
}

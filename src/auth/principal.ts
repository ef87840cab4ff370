// Who is calling the admin API: the root ADMIN_TOKEN, or an admin token with a role (and, for a
// team-admin, the one team it may manage).
import * as z from 'zod';

export const ROLES = ['admin', 'team-admin', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export interface Principal {
  /** 'root' for ADMIN_TOKEN, else the admin token's id: what the audit log records as the actor. */
  id: string;
  name: string;
  role: Role;
  /** The team a team-admin is limited to; null for the other roles. */
  teamId: string | null;
}

export const ROOT: Principal = { id: 'root', name: 'ADMIN_TOKEN', role: 'admin', teamId: null };

// Admin-time checks of a key's or team's `guardrails` selection: every name must be a rule of the
// current config, and only admins may opt out of a rule (team-admins may only add).
import type { Context } from 'hono';
import { insufficientRole, teamScope } from '../auth/team-scope';
import { currentConfig } from '../config/store';
import type { AppEnv } from '../env';
import { invalidRequest } from '../errors';

export async function checkGuardrailSelection(
  c: Context<AppEnv>,
  selection: readonly string[] | null | undefined,
): Promise<void> {
  if (!selection?.length) return;
  if (teamScope(c) !== null && selection.some((entry) => entry.startsWith('-')))
    throw insufficientRole('Only admins may opt a key out of a guardrail.', 'guardrails');
  const names = new Set((await currentConfig(c.env)).config.guardrails.map((rule) => rule.name));
  selection.forEach((entry, index) => {
    const name = entry.replace(/^-/, '');
    if (!names.has(name))
      throw invalidRequest(
        `No guardrail rule named '${name}' in the gateway config.`,
        `guardrails[${index}]`,
      );
  });
}

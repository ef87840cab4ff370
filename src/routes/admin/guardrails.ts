// GET / PUT /admin/guardrails — the config's `guardrails` rules on their own: PUT replaces the list
// and validates it with the whole config, so errors name the same paths as PUT /admin/config.
import { Hono } from 'hono';
import { gatewayConfigSchema } from '../../config/schema';
import { currentConfig } from '../../config/store';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import { issueLines, paramPath, readJsonBody } from '../../openai/read-body';
import { storeChecked } from './config-write';

const BODY_LIMIT = 1024 * 1024;

export const guardrails = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ data: (await currentConfig(c.env)).config.guardrails }))
  .put('/', async (c) => {
    const incoming = await readJsonBody(c.req.raw, BODY_LIMIT);
    const rules = Array.isArray(incoming) ? incoming : (incoming as { data?: unknown })?.data;
    if (!Array.isArray(rules))
      throw invalidRequest('The body is the list of rules (or {"data": [...]}, as GET returns it).');
    const { config: previous } = await currentConfig(c.env);
    const parsed = gatewayConfigSchema.safeParse({ ...previous, guardrails: rules });
    if (!parsed.success) {
      const { issues } = parsed.error;
      const list = issueLines(issues).join('; ');
      throw invalidRequest(
        `Invalid guardrails (the previous rules stay in force): ${list}`,
        paramPath(issues[0]?.path ?? []),
      );
    }
    const runtime = await storeChecked(c, previous, parsed.data, { action: 'guardrails.update' });
    return c.json({ data: runtime.config.guardrails });
  });

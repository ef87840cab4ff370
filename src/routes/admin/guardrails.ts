// GET / PUT /admin/guardrails — the config's `guardrails` rules on their own: PUT replaces the list
// and validates it with the whole config, so errors name the same paths as PUT /admin/config.
import { Hono } from 'hono';
import { gatewayConfigSchema } from '../../config/schema';
import { currentConfig, unreadableConfig } from '../../config/store';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import { issueLines, issueParam, readJsonBody } from '../../openai/read-body';
import { configEtag, writeConfig } from './config-write';

const BODY_LIMIT = 1024 * 1024;

export const guardrails = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { config, revision } = await currentConfig(c.env);
    c.header('ETag', configEtag(revision));
    return c.json({ data: config.guardrails, nextCursor: null });
  })
  .put('/', async (c) => {
    const incoming = await readJsonBody(c.req.raw, BODY_LIMIT);
    const rules = Array.isArray(incoming) ? incoming : (incoming as { data?: unknown })?.data;
    if (!Array.isArray(rules))
      throw invalidRequest('The body is the list of rules (or {"data": [...]}, as GET returns it).');
    // Merged into the config as it is when stored: a config change made meanwhile is kept.
    const runtime = await writeConfig(
      c,
      (state) => {
        if (!state.readable) throw unreadableConfig(state.problems);
        const parsed = gatewayConfigSchema.safeParse({ ...state.config, guardrails: rules });
        if (!parsed.success) {
          const { issues } = parsed.error;
          const list = issueLines(issues).join('; ');
          throw invalidRequest(
            `Invalid guardrails (the previous rules stay in force): ${list}`,
            issueParam(issues[0]),
          );
        }
        return { config: parsed.data };
      },
      'guardrails.update',
    );
    return c.json({ data: runtime.config.guardrails });
  });

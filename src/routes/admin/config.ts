// GET / PUT /admin/config — the whole gateway config, validated; secrets never leave.
import { Hono } from 'hono';
import { insufficientRole } from '../../auth/team-scope';
import { embeddingModelIssue } from '../../cache/embed';
import { redactConfig, restoreSecrets, secretRefsMoved } from '../../config/redact';
import { compileRuntime } from '../../config/runtime';
import { writtenConfigSchema } from '../../config/schema';
import { type ConfigState, currentConfig } from '../../config/store';
import type { AppEnv, Env } from '../../env';
import { invalidRequest } from '../../errors';
import { issueLines, issueParam, readJsonBody } from '../../openai/read-body';
import { authorizationIssue } from '../../providers/url-credentials';
import { type Built, configEtag, writeConfig } from './config-write';

const CONFIG_BODY_LIMIT = 1024 * 1024;

export const config = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { config: current, stored, revision } = await currentConfig(c.env);
    c.header('x-tollgate-config-source', stored ? 'stored' : 'default');
    c.header('ETag', configEtag(revision));
    return c.json(redactConfig(current));
  })
  .put('/', async (c) => {
    const body = await readJsonBody(c.req.raw, CONFIG_BODY_LIMIT);
    const root = c.get('principal').id === 'root';
    const runtime = await writeConfig(c, (state) => checked(c.env, structuredClone(body), state, root));
    c.header('x-tollgate-config-source', 'stored');
    return c.json(redactConfig(runtime.config));
  });

/**
 * The config a PUT gives, against the state it replaces: secrets restored from it, validated,
 * compiled. `root`: written with the root ADMIN_TOKEN, the only one that may send a Worker secret
 * somewhere new.
 */
function checked(env: Env, incoming: unknown, state: ConfigState, root: boolean): Built {
  // A stored config this version cannot read can still be replaced, and still lends its secrets.
  const previous = state.readable ? state.config : state.stored;
  if (!root) {
    const moved = secretRefsMoved(incoming, previous);
    if (moved.length > 0)
      throw insufficientRole(
        `Only the root ADMIN_TOKEN may send a Worker secret to a new destination: ${moved.join(', ')} references one (env:…) that the config in force does not send there (a new provider or reference, or a changed type, baseUrl, preset, resourceName or region; a new alerts webhookUrl).`,
        moved[0],
      );
  }
  const unrestorable = restoreSecrets(incoming, previous);
  if (unrestorable.length > 0) {
    throw invalidRequest(
      `Invalid config: ${unrestorable.join(', ')} is "[redacted]" but no stored secret can go there (a new provider, or one whose type, baseUrl, preset, resourceName or region changed; a new alerts webhookUrl); give the real value or an env:NAME reference.`,
      unrestorable[0],
    );
  }
  const parsed = writtenConfigSchema.safeParse(incoming);
  if (!parsed.success) {
    // Every problem, each with its path, so a config can be fixed in one round.
    const { issues } = parsed.error;
    const list = issueLines(issues).join('; ');
    throw invalidRequest(
      `Invalid config (the previous config stays in force): ${list}`,
      issueParam(issues[0]),
    );
  }
  // Compiled once: for its own check here, and as what is stored.
  const compiled = compileRuntime(parsed.data, env);
  const embedding = embeddingModelIssue(compiled);
  if (embedding) throw invalidRequest(embedding.message, embedding.param);
  const authorization = authorizationIssue(parsed.data.providers);
  if (authorization) throw invalidRequest(authorization.message, authorization.param);
  return { config: parsed.data, runtime: compiled };
}

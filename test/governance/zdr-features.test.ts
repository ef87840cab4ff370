// Zero-retention keys and the provider features whose data the provider keeps after the answer:
// Anthropic's code execution (a container kept up to 30 days), the dynamic filtering of its newer
// web tools, its MCP connector and containers (reused, Agent Skills); OpenAI's Code Interpreter and
// hosted shell containers. Refused with 403 zdr_store_refused naming where, before anything goes
// upstream; the eligible tools (basic web search, memory, local shell, file search…) pass.
import { describe, expect, it } from 'vitest';
import {
  chat,
  createKey,
  type Json,
  messages,
  responses as postResponses,
  putConfig,
} from '../helpers/gateway';
import { messageItem, responseObject } from '../helpers/responses-upstream';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { ZDR_REFUSED_ROW } from './helpers';

const ANTHROPIC_URL = 'https://anthropic.test';
const OPENAI_RESPONSES = 'https://api.openai.com/v1/responses';

async function setup() {
  const config = {
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      direct: { type: 'openai', apiKey: 'sk-direct' },
    },
    models: {
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      web: { targets: [{ provider: 'direct', model: 'gpt-5.1' }] },
    },
    retry: { attempts: 0 },
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () =>
    json({
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Done.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 2 },
    }),
  );
  onUpstream(OPENAI_RESPONSES, () => json(responseObject({ output: [messageItem('Done.')] })));
}

const ask = (fields: Json) => ({
  model: 'claude',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Sum the column of data.csv.' }],
  ...fields,
});
const hosted = (tools: Json[]) => ({ model: 'web', input: 'Sum the column of data.csv.', tools });
const CODE_EXECUTION = { type: 'code_execution_20250825', name: 'code_execution' };
const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };

function responses(key: string, body: unknown, id: string): Promise<Response> {
  return postResponses(key, body, { 'x-request-id': id });
}

async function expectRefused(sent: Promise<Response>, id: string, param: string, what: string) {
  const response = await sent;
  expect(response.status).toBe(403);
  const { error } = await response.json<{ error: Json }>();
  expect(error).toMatchObject({ type: 'permission_error', param, code: 'zdr_store_refused' });
  expect(error.message).toContain('This key is zero-retention');
  expect(error.message).toContain(what);
  const row = (await waitForRows([id])).get(id)!;
  expect(row).toMatchObject(ZDR_REFUSED_ROW);
}

describe("zero-retention keys and Anthropic's features that keep data", () => {
  it('refuses code execution, dynamic filtering, the MCP connector and containers; nothing goes upstream', async () => {
    await setup();
    const { key } = await createKey({ zdr: true, logBodies: true });
    const refused: [Json, string, string][] = [
      [{ tools: [WEB_SEARCH, CODE_EXECUTION] }, 'tools[1].type', 'code execution'],
      [
        { tools: [{ type: 'web_search_20260209', name: 'web_search' }] },
        'tools[0].allowed_callers',
        'dynamic filtering',
      ],
      [
        {
          tools: [
            { type: 'web_fetch_20260209', name: 'web_fetch', allowed_callers: ['code_execution_20260120'] },
          ],
        },
        'tools[0].allowed_callers',
        'dynamic filtering',
      ],
      [
        { mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'example' }] },
        'mcp_servers',
        'MCP connector',
      ],
      [
        {
          tools: [WEB_SEARCH],
          container: { skills: [{ type: 'anthropic', skill_id: 'xlsx', version: 'latest' }] },
        },
        'container',
        'container',
      ],
      [
        {
          tools: [WEB_SEARCH],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Sum the column.' },
                { type: 'container_upload', file_id: 'file_011' },
              ],
            },
          ],
        },
        'messages[0].content[1].type',
        'container',
      ],
    ];
    for (const [n, [fields, param, what]] of refused.entries()) {
      const id = `zdr-claude-${n}`;
      await expectRefused(messages(key, ask(fields), { 'x-request-id': id }), id, param, what);
    }
    // Forwarded to Claude from a chat body too (Anthropic's own parameters): refused there as well.
    const viaChat = chat(
      key,
      { model: 'claude', messages: [{ role: 'user', content: 'Hi' }], mcp_servers: [{ type: 'url' }] },
      { 'x-request-id': 'zdr-chat-mcp' },
    );
    await expectRefused(viaChat, 'zdr-chat-mcp', 'mcp_servers', 'MCP connector');
    expect(recorded).toHaveLength(0);
  });

  it('lets the eligible server tools through on a zero-retention key', async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    const eligible = [
      { tools: [WEB_SEARCH] },
      { tools: [{ type: 'web_search_20260209', name: 'web_search', allowed_callers: ['direct'] }] },
      { tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] },
      { tools: [{ type: 'memory_20250818', name: 'memory' }] },
    ];
    for (const fields of eligible) {
      const response = await messages(key, ask(fields));
      expect(response.status, await response.clone().text()).toBe(200);
    }
    expect(recorded).toHaveLength(eligible.length);
  });

  it('passes code execution on as before for a key that is not zero-retention', async () => {
    await setup();
    const { key } = await createKey();
    const response = await messages(key, ask({ tools: [CODE_EXECUTION] }));
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).tools).toEqual([CODE_EXECUTION]);
  });
});

describe("zero-retention keys and OpenAI's hosted containers", () => {
  it('refuses Code Interpreter and a hosted shell; nothing goes upstream', async () => {
    await setup();
    const { key } = await createKey({ zdr: true, logBodies: true });
    const interpreter = hosted([
      { type: 'web_search' },
      { type: 'code_interpreter', container: { type: 'auto' } },
    ]);
    await expectRefused(responses(key, interpreter, 'zdr-ci'), 'zdr-ci', 'tools[1].type', 'Code Interpreter');
    for (const environment of [
      { type: 'container_auto' },
      { type: 'container_reference', container_id: 'cntr_1' },
    ]) {
      const id = `zdr-shell-${environment.type}`;
      const shell = hosted([{ type: 'shell', environment }]);
      await expectRefused(responses(key, shell, id), id, 'tools[0].environment.type', 'hosted shell');
    }
    expect(recorded).toHaveLength(0);
  });

  it('lets a local shell, web search, file search and image generation through on a zero-retention key', async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    const tools = [
      { type: 'shell', environment: { type: 'local' } },
      { type: 'web_search' },
      { type: 'file_search', vector_store_ids: ['vs_1'] },
      { type: 'image_generation' },
    ];
    const response = await responses(key, hosted(tools), 'zdr-eligible');
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded).toHaveLength(1);
  });
});

// A strict fake Claude upstream that runs the preserved-thinking prefix check the newest models run
// (Claude Opus 5.5, Fable 5.1, Sonnet 5.5): every thinking or redacted_thinking block it answers is
// bound to its prefix (system, tools, the messages before it and the blocks before it in its own
// answer); a later request that sends the block back with any of that changed, or a block it never
// gave, gets Anthropic's 400. What it compares: content as blocks (a string is one text block, a
// tool_result without content has none), text exactly, tool input as parsed JSON (in its order),
// cache_control marks left out (clients move them every turn).
import { anthropicFrame } from './anthropic-sse';
import { sse } from './upstream';

/** A block of a scripted answer; a tool_use's `input` is its raw JSON text, as the model wrote it. */
export type ScriptedBlock =
  | { type: 'thinking'; thinking: string }
  | { type: 'redacted_thinking' }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: string };

type Json = Record<string, unknown>;

/** What Anthropic's prefix check reads of a request's blocks: cache marks and shorthand left out. */
function canonicalBlock(block: Json): Json {
  const { cache_control: _mark, ...rest } = block;
  if (rest.type === 'tool_result') {
    const content = rest.content === undefined ? [] : canonicalContent(rest.content);
    return { type: 'tool_result', tool_use_id: rest.tool_use_id, content, is_error: rest.is_error === true };
  }
  return rest;
}

function canonicalContent(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return (content as Json[]).map(canonicalBlock);
}

function canonicalTools(tools: unknown): unknown {
  return ((tools as Json[] | undefined) ?? []).map(({ cache_control: _mark, ...tool }) => tool);
}

function prefixOf(body: Json, messages: Json[], partial: Json[]): string {
  return JSON.stringify({
    system: body.system === undefined ? [] : canonicalContent(body.system),
    tools: canonicalTools(body.tools),
    messages: messages.map((m) => ({ role: m.role, content: canonicalContent(m.content) })),
    partial: partial.map(canonicalBlock),
  });
}

/** The key a thinking block is bound by: its signature, or a redacted block's data. */
function bindingKey(block: Json): string | undefined {
  if (block.type === 'thinking') return `s:${String(block.signature)}`;
  if (block.type === 'redacted_thinking') return `d:${String(block.data)}`;
  return undefined;
}

export interface StrictClaude {
  /** Answers one request: the body as Anthropic's Messages API reads it. */
  answer(body: Json): Response;
  /** Each refusal the check made, for the test's failure message. */
  refusals: string[];
  /** How many requests it answered with 200. */
  answered: number;
  /** How many bound blocks the last request sent back, each checked. */
  checked: number;
}

/**
 * A fake upstream answering the turns of `script` in order (turn i: the i-th request), JSON or
 * streamed as the request asks, each thinking block signed uniquely and bound to its prefix.
 */
export function strictClaude(script: ScriptedBlock[][], model = 'claude-opus-5-5'): StrictClaude {
  const bound = new Map<string, string>();
  const state: StrictClaude = { answer, refusals: [], answered: 0, checked: 0 };
  let turn = 0;

  function refuse(message: string): Response {
    state.refusals.push(message);
    return new Response(
      JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
      { status: 400, headers: { 'content-type': 'application/json' } },
    );
  }

  function check(body: Json): string | undefined {
    const messages = (body.messages ?? []) as Json[];
    state.checked = 0;
    for (const [i, message] of messages.entries()) {
      // A system message in the conversation follows a user turn (Claude 4.8 on).
      if (message.role === 'system' && messages[i - 1]?.role !== 'user')
        return `messages.${i}: a system message must follow a user turn`;
      if (message.role !== 'assistant' || typeof message.content === 'string') continue;
      const blocks = message.content as Json[];
      for (const [j, block] of blocks.entries()) {
        const key = bindingKey(block);
        if (!key) continue;
        const want = bound.get(key);
        const where = `messages.${i}.content.${j}`;
        if (want === undefined) return `${where}: Invalid \`signature\` in \`${block.type}\` block`;
        const got = prefixOf(body, messages.slice(0, i), blocks.slice(0, j));
        if (got !== want)
          return `${where}: The block is bound to a different conversation.\nwant ${want}\ngot  ${got}`;
        state.checked++;
      }
    }
    return undefined;
  }

  function answer(body: Json): Response {
    const refusal = check(body);
    if (refusal) return refuse(refusal);
    const blocks = script[turn];
    if (!blocks) return refuse(`no turn ${turn} in the script`);
    const messages = (body.messages ?? []) as Json[];
    const made: Json[] = [];
    const raw: Json[] = [];
    for (const [j, block] of blocks.entries()) {
      const prefix = prefixOf(body, messages, made);
      const signature = `sig-${turn}-${j}-${'x'.repeat(8)}`;
      let out: Json;
      if (block.type === 'thinking') out = { type: 'thinking', thinking: block.thinking, signature };
      else if (block.type === 'redacted_thinking')
        out = { type: 'redacted_thinking', data: `Enc${signature}` };
      else if (block.type === 'text') out = { type: 'text', text: block.text };
      else out = { type: 'tool_use', id: block.id, name: block.name, input: JSON.parse(block.input) };
      const key = bindingKey(out);
      if (key) bound.set(key, prefix);
      made.push(out);
      raw.push(block.type === 'tool_use' ? { ...out, input: block.input } : out);
    }
    turn++;
    state.answered++;
    const stop = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    return body.stream === true ? streamed(raw, stop, model) : whole(raw, stop, model);
  }

  return state;
}

/** The JSON answer, each tool input written as the model wrote it (1.0 stays 1.0). */
function whole(blocks: Json[], stop: string, model: string): Response {
  const inputs: string[] = [];
  const content = blocks.map((block) => {
    if (block.type !== 'tool_use') return block;
    inputs.push(block.input as string);
    return { ...block, input: `@@input${inputs.length - 1}@@` };
  });
  const text = JSON.stringify({
    id: 'msg_strict',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 20, output_tokens: 30 },
  }).replace(/"@@input(\d+)@@"/g, (_, i) => inputs[Number(i)] as string);
  return new Response(text, { headers: { 'content-type': 'application/json' } });
}

/** Text and JSON cut in pieces of `size` code points, as deltas come. */
function pieces(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let at = 0; at < points.length; at += size) out.push(points.slice(at, at + size).join(''));
  return out;
}

/** The event stream, as Anthropic streams it: display "omitted" thinking sends only its signature. */
function streamed(blocks: Json[], stop: string, model: string): Response {
  const frames = [
    anthropicFrame({
      type: 'message_start',
      message: {
        id: 'msg_strict',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 1 },
      },
    }),
  ];
  for (const [index, block] of blocks.entries()) {
    const delta = (fields: Json) => anthropicFrame({ type: 'content_block_delta', index, delta: fields });
    const start = (content_block: Json) =>
      anthropicFrame({ type: 'content_block_start', index, content_block });
    if (block.type === 'thinking') {
      frames.push(start({ type: 'thinking', thinking: '', signature: '' }));
      for (const piece of pieces(block.thinking as string, 5))
        frames.push(delta({ type: 'thinking_delta', thinking: piece }));
      frames.push(delta({ type: 'signature_delta', signature: block.signature }));
    } else if (block.type === 'redacted_thinking') frames.push(start(block));
    else if (block.type === 'text') {
      frames.push(start({ type: 'text', text: '' }));
      for (const piece of pieces(block.text as string, 3))
        frames.push(delta({ type: 'text_delta', text: piece }));
    } else {
      frames.push(start({ ...block, input: {} }));
      // A tool without arguments streams one empty partial_json, as Anthropic does.
      const input = block.input as string;
      for (const piece of input === '{}' ? [''] : pieces(input, 4))
        frames.push(delta({ type: 'input_json_delta', partial_json: piece }));
    }
    frames.push(anthropicFrame({ type: 'content_block_stop', index }));
  }
  frames.push(
    anthropicFrame({
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 30 },
    }),
    anthropicFrame({ type: 'message_stop' }),
  );
  return sse(frames);
}

/** Converse's content without its cache points: what the prefix check reads there. */
function withoutCachePoints(blocks: unknown): unknown {
  return ((blocks as Json[] | undefined) ?? []).filter((block) => !('cachePoint' in block));
}

function conversePrefix(body: Json, messages: Json[], partial: Json[]): string {
  const tools = ((body.toolConfig as Json | undefined)?.tools as Json[] | undefined) ?? [];
  return JSON.stringify({
    system: withoutCachePoints(body.system),
    tools: withoutCachePoints(tools),
    messages: messages.map((m) => ({ role: m.role, content: withoutCachePoints(m.content) })),
    partial,
  });
}

/** A Converse reasoning block's binding key: its signature, or its redacted content. */
function converseKey(block: Json): string | undefined {
  const reasoning = block.reasoningContent as Json | undefined;
  if (!reasoning) return undefined;
  const text = reasoning.reasoningText as Json | undefined;
  return text ? `s:${String(text.signature)}` : `d:${String(reasoning.redactedContent)}`;
}

/** The strict fake as Bedrock's Converse (JSON answers) gives Claude: reasoningContent blocks. */
export function strictConverse(script: ScriptedBlock[][]): StrictClaude {
  const bound = new Map<string, string>();
  const state: StrictClaude = { answer, refusals: [], answered: 0, checked: 0 };
  let turn = 0;

  function refuse(message: string): Response {
    state.refusals.push(message);
    return Response.json(
      { message },
      { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' } },
    );
  }

  function answer(body: Json): Response {
    const messages = (body.messages ?? []) as Json[];
    state.checked = 0;
    for (const [i, message] of messages.entries()) {
      if (message.role !== 'assistant') continue;
      const blocks = message.content as Json[];
      for (const [j, block] of blocks.entries()) {
        const key = converseKey(block);
        if (!key) continue;
        const want = bound.get(key);
        if (want === undefined) return refuse(`messages.${i}.content.${j}: invalid signature`);
        const got = conversePrefix(
          body,
          messages.slice(0, i),
          withoutCachePoints(blocks.slice(0, j)) as Json[],
        );
        if (got !== want)
          return refuse(
            `messages.${i}.content.${j}: bound to a different conversation.\nwant ${want}\ngot  ${got}`,
          );
        state.checked++;
      }
    }
    const blocks = script[turn];
    if (!blocks) return refuse(`no turn ${turn} in the script`);
    const made: Json[] = [];
    for (const [j, block] of blocks.entries()) {
      const prefix = conversePrefix(body, messages, made);
      const signature = `sig-${turn}-${j}`;
      let out: Json;
      if (block.type === 'thinking')
        out = { reasoningContent: { reasoningText: { text: block.thinking, signature } } };
      else if (block.type === 'redacted_thinking')
        out = { reasoningContent: { redactedContent: `RW5j${signature}` } };
      else if (block.type === 'text') out = { text: block.text };
      else out = { toolUse: { toolUseId: block.id, name: block.name, input: JSON.parse(block.input) } };
      const key = converseKey(out);
      if (key) bound.set(key, prefix);
      made.push(out);
    }
    turn++;
    state.answered++;
    return Response.json({
      output: { message: { role: 'assistant', content: made } },
      stopReason: blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
      usage: { inputTokens: 20, outputTokens: 30, totalTokens: 50 },
      metrics: { latencyMs: 10 },
    });
  }

  return state;
}

// The provider features a zero-retention key's request may not use: those whose data the provider
// keeps after the answer, by its own documentation (README "Zero-retention keys").
//
// Anthropic, "API and data retention" (platform.claude.com/docs/en/build-with-claude/api-and-data-retention),
// feature eligibility table: code execution (and programmatic tool calling, built on it) "Container
// data retained up to 30 days"; Agent Skills (`/v1/messages` with `skills`) and the MCP connector
// (`mcp_servers`) "retained per standard policy"; web search and web fetch are eligible, but their
// dynamic filtering (the `_20260209` versions on, which run code execution unless
// `allowed_callers: ["direct"]`) "is not eligible for ZDR". Eligible, so not here: the basic web
// search and fetch, memory, bash, text editor, computer use, tool search, compaction, prompt caching.
//
// OpenAI, "Data controls" (developers.openai.com/api/docs/guides/your-data), `/v1/responses`:
// "Hosted containers used by Hosted Shell and Code Interpreter may write temporary application
// state to the container filesystem … Container data is deleted when the container expires or is
// explicitly deleted" (hosted skills "follow the same container lifecycle"). Not here: web search,
// file search, image generation (its models are listed as ZDR compatible), local shell, computer
// use, and remote MCP servers (third parties OpenAI passes data to; it keeps none itself). Background
// mode (kept ~10 minutes for polling) is refused on every key already: the gateway is stateless.
// Same page, `/v1/chat/completions` (and `/v1/responses`): "Audio outputs application state is
// stored for 1 hour to enable multi-turn conversations" — an answer asked for in audio (`modalities`
// with "audio", or the `audio` output parameters) is kept for an hour after it, so a later turn can
// name it (the audio guide's `audio.id`, accessible until `audio.expires_at`). The Responses API
// documents no audio output; a `modalities` or `audio` sent there reaches the chat body as sent and
// is refused the same way. Not here: an assistant message naming an earlier answer's audio
// (`audio: {id}`). That audio was kept by the request that asked for it (never a zero-retention
// key's, refused here); naming it reads it and keeps nothing more, as a `file_id` below. Nor audio
// input (`input_audio`), which the page does not except.
//
// Not here either, on either API: a file sent by `file_id`. The Files API keeps a file from its
// upload (`/v1/files`, an endpoint the gateway does not serve), not from the request that names it,
// which keeps nothing more — as a Gemini `cachedContent` does not.
import { isRecord } from '../json-record';
import type { NativeApi } from '../providers/types';

type Json = Record<string, unknown>;

/** A feature a zero-retention key's request may not use: where it is, and the refusal's words. */
export interface RetainedFeature {
  param: string;
  /** What it is and what the provider keeps of it, for "it may not use …". */
  what: string;
  /** What the client can do instead. */
  advice: string;
}

const DROP = 'Leave it out, or use a key that is not zero-retention.';

/** The first feature of `native` (an API's own body) or of the chat body the provider keeps data of. */
export function retainedFeature(
  chat: Json,
  native: { api: NativeApi; body: Json } | undefined,
): RetainedFeature | undefined {
  const own = native?.api === 'responses' ? hostedKept(native.body) : native && serverKept(native.body);
  // Anthropic's top-level fields reach Claude from a chat body too: forwarded as its own parameters.
  return own ?? claudeFieldsKept(native?.api === 'messages' ? native.body : chat) ?? audioKept(chat);
}

const AUDIO_KEPT =
  "OpenAI's audio output, which OpenAI keeps for an hour after the answer so that a later turn can refer to it";
const TEXT_ONLY =
  "Ask for text only (no 'audio' in 'modalities', no 'audio' parameters), or use a key that is not zero-retention.";

/** An answer asked for in audio (chat's `modalities` with "audio", or its `audio` output parameters). */
function audioKept(chat: Json): RetainedFeature | undefined {
  if (Array.isArray(chat.modalities) && chat.modalities.includes('audio'))
    return { param: 'modalities', what: AUDIO_KEPT, advice: TEXT_ONLY };
  if (chat.audio != null) return { param: 'audio', what: AUDIO_KEPT, advice: TEXT_ONLY };
  return undefined;
}

/** OpenAI's hosted tools whose containers keep their files: Code Interpreter, a hosted shell. */
function hostedKept(body: Json): RetainedFeature | undefined {
  for (const [i, tool] of tools(body)) {
    if (tool.type === 'code_interpreter')
      return {
        param: `tools[${i}].type`,
        what: "OpenAI's Code Interpreter, whose container OpenAI keeps (with the files written in it) until the container expires",
        advice: DROP,
      };
    const environment = isRecord(tool.environment) ? tool.environment.type : undefined;
    if (tool.type === 'shell' && (environment === 'container_auto' || environment === 'container_reference'))
      return {
        param: `tools[${i}].environment.type`,
        what: "OpenAI's hosted shell, whose container OpenAI keeps (with the files written in it) until the container expires",
        advice:
          "Run the shell locally ('environment': {'type': 'local'}), or use a key that is not zero-retention.",
      };
  }
  return undefined;
}

/** Anthropic's server tools and blocks whose data Anthropic keeps: code execution, dynamic filtering. */
function serverKept(body: Json): RetainedFeature | undefined {
  for (const [i, tool] of tools(body)) {
    const type = typeof tool.type === 'string' ? tool.type : '';
    if (type.startsWith('code_execution_'))
      return {
        param: `tools[${i}].type`,
        what: `Anthropic's code execution tool ('${type}'), whose container data Anthropic keeps for up to 30 days`,
        advice: DROP,
      };
    if (filtersDynamically(type, tool.allowed_callers))
      return {
        param: `tools[${i}].allowed_callers`,
        what: `the dynamic filtering of '${type}', which runs Anthropic's code execution (its container data kept for up to 30 days)`,
        advice: `Set 'allowed_callers': ['direct'] on the tool, or use a key that is not zero-retention.`,
      };
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const [i, message] of messages.entries()) {
    const content = isRecord(message) && Array.isArray(message.content) ? message.content : [];
    for (const [j, block] of content.entries())
      if (isRecord(block) && block.type === 'container_upload')
        return {
          param: `messages[${i}].content[${j}].type`,
          what: "a file put in Anthropic's code execution container, whose data Anthropic keeps for up to 30 days",
          advice: DROP,
        };
  }
  return undefined;
}

/** Anthropic's MCP connector and code execution containers (a container reused, Agent Skills). */
function claudeFieldsKept(body: Json): RetainedFeature | undefined {
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0)
    return {
      param: 'mcp_servers',
      what: "Anthropic's MCP connector, whose data Anthropic keeps under its standard retention",
      advice: DROP,
    };
  if (body.container != null)
    return {
      param: 'container',
      what: 'an Anthropic code execution container (one reused, or Agent Skills), whose data Anthropic keeps for up to 30 days',
      advice: DROP,
    };
  return undefined;
}

/** The first version of Anthropic's web search and web fetch tools with dynamic filtering. */
const DYNAMIC_FILTERING_SINCE = 20260209;

/**
 * A web search or fetch tool of a version with dynamic filtering (`web_search_20260209` on), which it
 * runs unless `allowed_callers` is `["direct"]` only (Anthropic: "set allowed_callers: ['direct']").
 */
function filtersDynamically(type: string, callers: unknown): boolean {
  const version = /^web_(?:search|fetch)_(\d{8})$/.exec(type)?.[1];
  if (version === undefined || Number(version) < DYNAMIC_FILTERING_SINCE) return false;
  const direct =
    Array.isArray(callers) && callers.length > 0 && callers.every((caller) => caller === 'direct');
  return !direct;
}

function tools(body: Json): [number, Json][] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools.flatMap((tool, i): [number, Json][] => (isRecord(tool) ? [[i, tool]] : []));
}

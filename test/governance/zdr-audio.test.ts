// Zero-retention keys and OpenAI's audio output, which OpenAI keeps for an hour after the answer so
// a later turn can refer to it (`audio: {id}`): asking for an answer in audio (`modalities` with
// "audio", or the `audio` output parameters) is refused with 403 zdr_store_refused before anything
// goes upstream. Naming an earlier answer's audio keeps nothing more and passes, as audio input does.
import { describe, expect, it } from 'vitest';
import { CHAT_URL, completion } from '../cache/harness';
import {
  chat,
  createKey,
  type Json,
  openaiConfig,
  responses as postResponses,
  putConfig,
} from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { ZDR_REFUSED_ROW } from './helpers';

const question = {
  model: 'voice',
  messages: [{ role: 'user', content: 'Is a golden retriever a good pet?' }],
};
const SPOKEN = { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } };

async function setup() {
  const config = openaiConfig({
    providers: { openai: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-test-secret' } },
    models: { voice: { targets: [{ provider: 'openai', model: 'gpt-audio-1.5' }] } },
    retry: { attempts: 0 },
  });
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(CHAT_URL, () => json(completion('Yes.')));
}

function responses(key: string, body: unknown, id: string): Promise<Response> {
  return postResponses(key, body, { 'x-request-id': id });
}

describe("zero-retention keys and OpenAI's audio output", () => {
  it('refuses an answer asked for in audio, on chat (streamed or not) and responses; nothing goes upstream', async () => {
    await setup();
    const { key } = await createKey({ zdr: true, logBodies: true });
    const sent: [Promise<Response>, string, string][] = [
      [chat(key, { ...question, ...SPOKEN }, { 'x-request-id': 'zdr-audio-1' }), 'zdr-audio-1', 'modalities'],
      [
        chat(key, { ...question, ...SPOKEN, stream: true }, { 'x-request-id': 'zdr-audio-2' }),
        'zdr-audio-2',
        'modalities',
      ],
      // The output parameters alone ask for it as well.
      [
        chat(key, { ...question, audio: SPOKEN.audio }, { 'x-request-id': 'zdr-audio-3' }),
        'zdr-audio-3',
        'audio',
      ],
      [
        responses(
          key,
          { model: 'voice', input: 'Is a golden retriever a good pet?', ...SPOKEN },
          'zdr-audio-4',
        ),
        'zdr-audio-4',
        'modalities',
      ],
    ];
    for (const [response, , param] of sent) {
      const answer = await response;
      expect(answer.status).toBe(403);
      expect(await answer.json()).toEqual({
        error: {
          message: expect.stringMatching(
            /^This key is zero-retention: it may not use OpenAI's audio output, which OpenAI keeps for an hour/,
          ),
          type: 'permission_error',
          param,
          code: 'zdr_store_refused',
        },
      });
    }
    expect(recorded).toHaveLength(0);
    const rows = await waitForRows(sent.map(([, id]) => id));
    for (const row of rows.values()) expect(row).toMatchObject(ZDR_REFUSED_ROW);
  });

  it('lets a text answer through on a zero-retention key, naming an earlier answer’s audio or sending audio', async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    const conversation = {
      model: 'voice',
      modalities: ['text'],
      audio: null,
      messages: [
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }],
        },
        { role: 'assistant', audio: { id: 'audio_abc123' } },
        { role: 'user', content: 'Say that again, shorter.' },
      ],
    };
    const response = await chat(key, conversation);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded).toHaveLength(1);
    expect((recorded[0]!.body as Json).messages).toEqual(conversation.messages);
  });

  it('passes audio output on as before for a key that is not zero-retention', async () => {
    await setup();
    const { key } = await createKey();
    const response = await chat(key, { ...question, ...SPOKEN });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toMatchObject(SPOKEN);
  });
});

import { describe, expect, it } from 'vitest';
import { call, chat, createKey, type Json } from '../helpers/gateway';

describe('mock provider', () => {
  // Found by test/fuzz: quoting a 7 MB prompt word by word, for n = 128 choices or as a stream of one
  // event per word, exhausted the isolate's memory and took the whole workerd process down.
  it('quotes at most 1 KiB of a huge prompt, for every choice, and says the reply was cut', async () => {
    const { key } = await createKey();
    const prompt = 'word '.repeat(1_400_000);
    const response = await chat(key, {
      model: 'fast',
      n: 128,
      messages: [{ role: 'user', content: prompt }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.choices).toHaveLength(128);
    expect(body.choices[0].message.content.length).toBeLessThan(1100);
    expect(body.choices[0].finish_reason).toBe('length');

    const stream = await chat(key, {
      model: 'fast',
      stream: true,
      messages: [{ role: 'user', content: prompt }],
    });
    const events = (await stream.text()).split('\n\n').filter(Boolean);
    expect(events.length).toBeLessThan(250);
  });

  it('still quotes a short prompt whole', async () => {
    const { key } = await createKey();
    const response = await chat(key, { model: 'fast', messages: [{ role: 'user', content: 'say hi' }] });
    const body = (await response.json()) as Json;
    expect(body.choices[0].message.content).toBe('Mock reply to: say hi');
    expect(body.choices[0].finish_reason).toBe('stop');
  });

  it('answers JSON mode with JSON that fits a json_schema, streamed or not, and refuses logprobs', async () => {
    const { key } = await createKey();
    const ask = (extra: object) =>
      chat(key, { model: 'fast', messages: [{ role: 'user', content: 'the weather' }], ...extra });
    const content = async (response: Response) =>
      ((await response.json()) as Json).choices[0].message.content;
    expect(JSON.parse(await content(await ask({ response_format: { type: 'json_object' } })))).toEqual({
      reply: 'Mock reply to: the weather',
    });
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        celsius: { type: 'number' },
        sky: { enum: ['clear', 'cloudy'] },
        alerts: { type: 'array', items: { $ref: '#/$defs/alert' } },
        wind: { anyOf: [{ $ref: '#/$defs/alert' }, { type: 'null' }] },
      },
      required: ['city', 'celsius', 'sky', 'alerts', 'wind'],
      additionalProperties: false,
      $defs: { alert: { type: 'object', properties: { level: { type: 'integer', minimum: 1 } } } },
    };
    const response_format = { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true } };
    const expected = {
      city: 'Mock reply to: the weather',
      celsius: 0,
      sky: 'clear',
      alerts: [],
      wind: { level: 1 },
    };
    expect(JSON.parse(await content(await ask({ response_format })))).toEqual(expected);
    const streamed = await (await ask({ response_format, stream: true })).text();
    const deltas = streamed
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? '');
    expect(JSON.parse(deltas.join(''))).toEqual(expected);

    const refused = await ask({ logprobs: true, top_logprobs: 2 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error.param).toBe('logprobs');
  });

  // A schema of lists in lists, 16 items each, six deep, asked the mock for 16⁶ values: the isolate
  // ran out of memory. What a schema makes the mock build is bounded now (the value may not fit).
  it('builds a bounded JSON answer for a schema that asks for millions of values', async () => {
    const { key } = await createKey();
    let schema: object = { type: 'string', minLength: 1_000_000_000 };
    for (let level = 0; level < 6; level++) schema = { type: 'array', minItems: 16, items: schema };
    const response = await chat(key, {
      model: 'fast',
      messages: [{ role: 'user', content: 'lists' }],
      response_format: { type: 'json_schema', json_schema: { name: 'lists', schema } },
    });
    expect(response.status).toBe(200);
    expect((await response.text()).length).toBeLessThan(1_000_000);
    // Tool-call arguments are built the same way, once for all of n = 128 choices.
    const called = await chat(key, {
      model: 'fast',
      n: 128,
      messages: [{ role: 'user', content: 'lists' }],
      tools: [
        { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { schema } } } },
      ],
      tool_choice: 'required',
    });
    expect(called.status).toBe(200);
    expect((await called.text()).length).toBeLessThan(20_000_000);
  });

  it('reads one token array as one input, as OpenAI does, and a list of them as several', async () => {
    const { key } = await createKey();
    const embed = async (input: unknown) =>
      (
        await (
          await call('/v1/embeddings', {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'embeddings', input, encoding_format: 'float' }),
          })
        ).json<Json>()
      ).data.length;
    expect(await embed([101, 202, 303])).toBe(1);
    expect(await embed([[101, 202], [303]])).toBe(2);
    expect(await embed(['a', 'b', 'c'])).toBe(3);
  });
});

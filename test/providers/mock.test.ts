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

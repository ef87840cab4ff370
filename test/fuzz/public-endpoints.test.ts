// Fuzz: generated and mutated bodies and headers against /v1/chat/completions, /v1/responses,
// /v1/messages, /v1/embeddings, /v1/images/generations and /v1/models, served by the mock provider of the default config (no
// network). Every answer must be below 500, every error an OpenAI ErrorResponse (Anthropic's
// `"type": "error"` added on /v1/messages), every success a valid OpenAI (or Anthropic) answer.
import { describe, expect, it } from 'vitest';
import { admin, type Json } from '../helpers/gateway';
import { mutatedBody } from './bodies';
import { findingsMessage, fuzz, scaledTimeout, shapeProblem, summary } from './harness';
import {
  bigChat,
  bigEmbeddings,
  bigResponses,
  CHAT_EXAMPLES,
  CHAT_KEYS,
  checkChat,
  checkEmbeddings,
  checkImages,
  checkMessages,
  checkResponses,
  EMBEDDING_EXAMPLES,
  EMBEDDING_KEYS,
  fuzzKeys,
  IMAGES_EXAMPLES,
  IMAGES_KEYS,
  MESSAGES_EXAMPLES,
  MESSAGES_KEYS,
  publicCase,
  RESPONSES_EXAMPLES,
  RESPONSES_KEYS,
} from './public-cases';

describe('fuzz: public endpoints', () => {
  it(
    'POST /v1/chat/completions never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      // The default config, with the exact cache switched on where the config has one: more code runs.
      const config = (await (await admin('/admin/config')).json()) as Json;
      if (config.cache?.exact) {
        config.cache.exact.enabled = true;
        expect((await admin('/admin/config', 'PUT', config)).status).toBe(200);
      }
      const started = performance.now();
      const report = await fuzz('chat', 4000, (rng, index) =>
        publicCase(
          rng,
          keys,
          '/v1/chat/completions',
          'POST',
          bigChat(index) ?? mutatedBody(rng, CHAT_EXAMPLES, CHAT_KEYS),
          checkChat,
        ),
      );
      console.log(summary('POST /v1/chat/completions', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(120_000),
  );

  it(
    'POST /v1/embeddings never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      const started = performance.now();
      const report = await fuzz('embeddings', 2000, (rng, index) =>
        publicCase(
          rng,
          keys,
          '/v1/embeddings',
          'POST',
          bigEmbeddings(index) ?? mutatedBody(rng, EMBEDDING_EXAMPLES, EMBEDDING_KEYS),
          checkEmbeddings,
        ),
      );
      console.log(summary('POST /v1/embeddings', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(120_000),
  );

  it(
    'POST /v1/images/generations never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      const started = performance.now();
      const report = await fuzz('images', 1000, (rng) =>
        publicCase(
          rng,
          keys,
          '/v1/images/generations',
          'POST',
          mutatedBody(rng, IMAGES_EXAMPLES, IMAGES_KEYS),
          checkImages,
        ),
      );
      console.log(summary('POST /v1/images/generations', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(90_000),
  );

  it(
    'POST /v1/responses never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      const started = performance.now();
      const report = await fuzz('responses', 2000, (rng, index) =>
        publicCase(
          rng,
          keys,
          '/v1/responses',
          'POST',
          bigResponses(index) ?? mutatedBody(rng, RESPONSES_EXAMPLES, RESPONSES_KEYS),
          checkResponses,
        ),
      );
      console.log(summary('POST /v1/responses', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(120_000),
  );

  it(
    'POST /v1/messages never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      const started = performance.now();
      const report = await fuzz('messages', 2000, (rng) =>
        publicCase(
          rng,
          keys,
          '/v1/messages',
          'POST',
          mutatedBody(rng, MESSAGES_EXAMPLES, MESSAGES_KEYS),
          checkMessages,
        ),
      );
      console.log(summary('POST /v1/messages', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(120_000),
  );

  it(
    'GET /v1/models never answers 5xx or a non-OpenAI error',
    async () => {
      const keys = await fuzzKeys();
      const started = performance.now();
      const report = await fuzz('models', 600, (rng) =>
        publicCase(rng, keys, '/v1/models', 'GET', mutatedBody(rng, CHAT_EXAMPLES, CHAT_KEYS), (_, text) =>
          shapeProblem('ListModelsResponse', text),
        ),
      );
      console.log(summary('GET /v1/models', report, started));
      expect(report.findings, findingsMessage(report)).toEqual([]);
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.08);
    },
    scaledTimeout(120_000),
  );
});

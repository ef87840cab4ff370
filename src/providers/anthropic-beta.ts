// The Anthropic beta features a request asks for in its `anthropic-beta` header (Claude Code and
// the Anthropic SDKs send theirs: interleaved thinking, context management…), sent on to an
// Anthropic provider beside the ones its config sets. Other providers have no such header.
import { invalidRequest } from '../errors';

/** A beta's name, as Anthropic spells them (`interleaved-thinking-2025-05-14`). */
const BETA = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_BETAS = 32;

/** The header's betas (comma-separated); a name that cannot be one is a 400. */
export function requestedBetas(header: string | undefined): string[] {
  if (header === undefined) return [];
  const betas = header
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '');
  const bad = betas.find((beta) => !BETA.test(beta));
  if (bad !== undefined || betas.length > MAX_BETAS)
    throw invalidRequest(
      bad !== undefined
        ? `The anthropic-beta header holds '${bad.slice(0, 100)}', which is not a beta's name.`
        : `The anthropic-beta header names more than ${MAX_BETAS} betas.`,
      'anthropic-beta',
    );
  return betas;
}

/** The configured betas (a header value) joined with a request's, each once. */
export function joinBetas(configured: string | undefined, requested: readonly string[]): string | undefined {
  const all = new Set(
    (configured ?? '')
      .split(',')
      .map((beta) => beta.trim())
      .filter((beta) => beta !== ''),
  );
  for (const beta of requested) all.add(beta);
  return all.size === 0 ? undefined : [...all].join(',');
}

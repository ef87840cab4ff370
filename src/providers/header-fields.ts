// The extra `headers` a provider config sends upstream: names and values fetch accepts.
import * as z from 'zod';

/**
 * A header fetch refuses (a name that is no RFC 9110 §5.1 token, a value with CR, LF or NUL: §5.5)
 * fails every call to the provider as a network error — retried, failed over, "unreachable" —
 * never saying why. Checked when a config is written (registry.ts writtenProviderSchema).
 */
export const headerFieldsSchema = z.record(
  z
    .string()
    .regex(
      /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/,
      "a header name is letters, digits and !#$%&'*+-.^_`|~ (no spaces, colons or other characters)",
    ),
  z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot contain CR, LF or NUL'),
);

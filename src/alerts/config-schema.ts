// The gateway config's `alerts` section: where budget alerts are pushed, and the secret that signs them.
import * as z from 'zod';
import { secretRef } from '../providers/secret';

/** Plain http only to this machine (local development): an event sent elsewhere in the clear could be read or forged. */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function webhookUrlIssue(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)) return undefined;
  return 'must be https:// (http:// only to 127.0.0.1 or localhost, for local development)';
}

export const alertsSchema = z.strictObject({
  /** Receives a POST for each budget alert (src/alerts/budget-event.ts). */
  webhookUrl: z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      const issue = webhookUrlIssue(value);
      if (issue) ctx.addIssue({ code: 'custom', message: issue });
    }),
  /** HMAC-SHA256 key of `x-tollgate-signature`: `env:NAME` (a Worker secret, preferred) or a literal. */
  secret: secretRef,
});
export type AlertsConfig = z.infer<typeof alertsSchema>;

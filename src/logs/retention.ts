// The scheduled (cron) upkeep of the request logs: flush every buffer (a safety net should an alarm
// ever be lost) and delete rows older than the retention period.
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { flushAllBuffers } from './sink';
import { deleteLogsBefore } from './store';

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

/** `LOG_RETENTION_DAYS` (a Worker var), 1 to 3650 days; anything else means the default. */
export function retentionDays(env: Pick<Env, 'LOG_RETENTION_DAYS'>): number {
  const days = Number(env.LOG_RETENTION_DAYS);
  return Number.isFinite(days) && days >= 1 && days <= 3650 ? days : DEFAULT_RETENTION_DAYS;
}

export async function runLogMaintenance(
  env: Env,
  now: number,
): Promise<{ flushed: number; deleted: number }> {
  const flushed = await flushAllBuffers(env).catch((error: unknown) => {
    console.error('log buffer flush from cron failed', describeFailure(error));
    return 0;
  });
  const deleted = await deleteLogsBefore(env.DB, now - retentionDays(env) * DAY_MS);
  return { flushed, deleted };
}

// Sends a budget event to the configured webhook, from the key's or team's Durable Object once a
// crossing is stored. The config is read here, when there is something to send (rarely: once per
// crossing per period), so admissions and settles carry nothing for it.
import { configState } from '../config/store';
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { resolveSecret } from '../providers/secret';
import type { BudgetEvent } from './budget-event';
import { DEFAULT_DELIVERY, type Delivery, deliver } from './webhook';

/** Never throws: an alert that cannot go is logged, and the budget goes on as before. */
export async function notifyBudgetEvent(
  env: Env,
  event: BudgetEvent,
  delivery: Delivery = DEFAULT_DELIVERY,
): Promise<void> {
  try {
    const state = await configState(env);
    const alerts = state.readable ? state.config.alerts : undefined;
    if (!alerts) return;
    const secret = resolveSecret(alerts.secret, env);
    if (!secret.value) {
      console.error(`budget alert ${event.type} not sent: set the Worker secret ${secret.missing}`);
      return;
    }
    await deliver(alerts.webhookUrl, secret.value, event, delivery);
  } catch (error) {
    console.error(`budget alert ${event.type} not sent`, describeFailure(error));
  }
}

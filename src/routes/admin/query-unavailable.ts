// A D1 read that failed or ran out of time (a query may run for 30 s at most) as a 503 that says what
// helps, never a 500: the database is busy or the question too large, not the gateway broken.
import { describeFailure } from '../../describe-error';
import { GatewayError, unavailableNow } from '../../errors';

export async function orUnavailable<T>(query: () => Promise<T>, code: string, message: string): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    console.error(`${code}:`, describeFailure(error));
    throw unavailableNow(code, message);
  }
}

// A D1 delete too large for one statement (a statement has a time limit), run in bounded rounds:
// the logs' retention, and the sweeps of stored responses and conversations. What a run's round
// limit leaves, the next hourly run takes.

const MAX_ROUNDS = 1000;

/**
 * Runs `round` until it deletes fewer than `full` rows, at most MAX_ROUNDS times; how many it
 * deleted. A round is one statement, or a batch (one transaction) whose statements delete a
 * selection's children before the selection itself: the last statement's changes are what count.
 * `full` is the selection's LIMIT, or 1 to go on until a round deletes none (one whose deletions
 * may leave more rows to delete).
 */
export async function deleteInRounds(
  db: D1Database,
  round: D1PreparedStatement[],
  full: number,
): Promise<number> {
  let deleted = 0;
  for (let rounds = 0; rounds < MAX_ROUNDS; rounds++) {
    const results = round.length === 1 ? [await round[0]!.run()] : await db.batch(round);
    const changes = results.at(-1)?.meta.changes ?? 0;
    deleted += changes;
    if (changes < full) break;
  }
  return deleted;
}

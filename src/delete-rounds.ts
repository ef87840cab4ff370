// A D1 delete too large for one statement (a statement has a time limit), run in bounded rounds:
// the logs' retention, and the stored responses' sweep. What a run's round limit leaves, the next
// hourly run takes.

const MAX_ROUNDS = 1000;

/**
 * Runs `statement` until a round deletes fewer than `full` rows, at most MAX_ROUNDS times; how many
 * it deleted. `full` is the statement's LIMIT, or 1 to go on until a round deletes none (one whose
 * deletions may leave more rows to delete).
 */
export async function deleteInRounds(statement: D1PreparedStatement, full: number): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const changes = (await statement.run()).meta.changes ?? 0;
    deleted += changes;
    if (changes < full) break;
  }
  return deleted;
}

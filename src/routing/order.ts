// The order in which a route's targets are tried: as listed (fallback) or a weighted random
// permutation (loadbalance: the first pick is weighted, the rest remain as fallbacks).
import type { Target } from '../config/schema';

export function orderTargets(
  strategy: 'fallback' | 'loadbalance',
  targets: readonly Target[],
  random: () => number,
): Target[] {
  if (strategy === 'fallback' || targets.length < 2) return [...targets];
  const pool = [...targets];
  const ordered: Target[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + (t.weight ?? 1), 0);
    let pick = random() * total;
    let index = 0;
    for (; index < pool.length - 1; index++) {
      pick -= pool[index]!.weight ?? 1;
      if (pick < 0) break;
    }
    ordered.push(...pool.splice(index, 1));
  }
  return ordered;
}

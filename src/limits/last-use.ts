// When a key (or team) was last admitted, as its usage shows it: kept in memory on every admission
// and stored under LAST_USED at most once a LAST_USED_PERSIST_MS, so a busy key's admissions do not
// each write; an eviction loses less than that.
import { LAST_USED } from './key-storage';

/** lastUsedAt is kept in memory and written at most this often. */
export const LAST_USED_PERSIST_MS = 60_000;

export class LastUse {
  /** The last admitted request (ms); null for none. */
  at: number | null = null;
  private savedAt = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** The stored value, at the object's start. */
  load(stored: number | null): void {
    this.at = stored;
    this.savedAt = stored ?? 0;
  }

  /** Records use in memory; persists at most once per LAST_USED_PERSIST_MS (output-gated, no await). */
  touch(now: number): void {
    this.at = now;
    if (now - this.savedAt < LAST_USED_PERSIST_MS) return;
    this.savedAt = now;
    void this.storage.put(LAST_USED, now);
  }

  /** A rotation's handed last use (key-object-rotation.ts `adopt`), kept when later than this one. */
  async adopt(at: number | null): Promise<void> {
    if (at === null || (this.at ?? 0) >= at) return;
    this.at = at;
    await this.storage.put(LAST_USED, at);
  }
}

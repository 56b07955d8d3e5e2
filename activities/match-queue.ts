// The record pump's view of the matches waiting for a Conversions API request: how many, and
// since when the oldest waits, so a request goes out once it is full or its oldest match has
// waited long enough. Plain code, no I/O.

/** Matches waiting to be posted, oldest first, in groups that share a start time (epoch milliseconds). */
export class MatchQueue {
  private readonly groups: Array<{ count: number; since: number }> = [];

  /** Matches waiting. */
  get count(): number {
    return this.groups.reduce((sum, g) => sum + g.count, 0);
  }

  /** When the oldest waiting match started to wait (epoch ms), or undefined when none waits. */
  get since(): number | undefined {
    return this.groups[0]?.since;
  }

  /** `count` matches that wait since `since` (epoch ms; a time before the newest group's is taken as that group's). */
  add(count: number, since: number): void {
    if (count <= 0) return;
    const last = this.groups.at(-1);
    this.groups.push({ count, since: last ? Math.max(last.since, since) : since });
  }

  /** A request took `count` matches: the oldest go. */
  take(count: number): void {
    let left = count;
    while (left > 0 && this.groups.length > 0) {
      const head = this.groups[0]!;
      const taken = Math.min(left, head.count);
      head.count -= taken;
      left -= taken;
      if (head.count === 0) this.groups.shift();
    }
  }

  /** None waits (a claim found nothing). */
  clear(): void {
    this.groups.length = 0;
  }
}

// Ads (and pins) the record pump credited before any entity sync saw them, waiting for the
// on-demand ad sync (`syncAds`), as plain code: no Temporal imports.

/** Most ids of each kind queued, and remembered as unknown; more wait for the hourly full sync. */
export const MAX_QUEUED_IDS = 1000;

/** Most ids of each kind one `syncAds` call takes: one `ads/list` call takes 250 `ad_ids`. */
export const IDS_PER_SYNC = 250;

/** The queue as continue-as-new carries it (JSON-plain); absent when all four lists are empty. */
export interface UnsyncedAdsCarry {
  ad_ids: string[];
  pin_ids: string[];
  /** Asked for since the last full sync and not listed by Pinterest: not asked for again until then. */
  unknown_ad_ids: string[];
  unknown_pin_ids: string[];
}

/** One `syncAds` call's ids. */
export interface AdSyncBatch {
  ad_ids: string[];
  pin_ids: string[];
}

/** Appends the ids of `add` not in `queue` nor in `skip`, keeping `queue` at most `max` long; returns how many were added. */
function appendNew(queue: string[], add: readonly string[], skip: readonly string[], max: number): number {
  const seen = new Set([...queue, ...skip]);
  let added = 0;
  for (const id of add) {
    if (queue.length >= max) break;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(id);
    added += 1;
  }
  return added;
}

/** Remembers `ids` as unknown, dropping the oldest beyond MAX_QUEUED_IDS. */
function remember(unknown: string[], ids: readonly string[]): void {
  appendNew(unknown, ids, [], Number.POSITIVE_INFINITY);
  if (unknown.length > MAX_QUEUED_IDS) unknown.splice(0, unknown.length - MAX_QUEUED_IDS);
}

/**
 * Ad and pin ids waiting for the on-demand sync, oldest first, deduplicated and bounded
 * (MAX_QUEUED_IDS each), and the ones Pinterest did not list since the last full entity sync.
 */
export class UnsyncedAds {
  readonly adIds: string[];
  readonly pinIds: string[];
  readonly unknownAdIds: string[];
  readonly unknownPinIds: string[];
  /** The ids of the sync under way (none at continue-as-new: it waits for the sync's end). */
  private inFlight: AdSyncBatch = { ad_ids: [], pin_ids: [] };
  /** Ids credited again while their sync was under way: its fill may have run before their attribution. */
  private reraised: AdSyncBatch = { ad_ids: [], pin_ids: [] };

  constructor(carried?: UnsyncedAdsCarry) {
    this.adIds = [...(carried?.ad_ids ?? [])];
    this.pinIds = [...(carried?.pin_ids ?? [])];
    this.unknownAdIds = [...(carried?.unknown_ad_ids ?? [])];
    this.unknownPinIds = [...(carried?.unknown_pin_ids ?? [])];
  }

  /** Ids wait for a sync. */
  get waiting(): boolean {
    return this.adIds.length > 0 || this.pinIds.length > 0;
  }

  /**
   * Queues what a record pump reported, skipping ids queued already or known to be unknown; ids
   * beyond the bound are left to the hourly full sync. @returns how many ids were queued.
   */
  add(adIds: readonly string[] = [], pinIds: readonly string[] = []): number {
    const inFlight = (ids: readonly string[], flying: string[]) => ids.filter((id) => flying.includes(id));
    appendNew(this.reraised.ad_ids, inFlight(adIds, this.inFlight.ad_ids), [], MAX_QUEUED_IDS);
    appendNew(this.reraised.pin_ids, inFlight(pinIds, this.inFlight.pin_ids), [], MAX_QUEUED_IDS);
    return (
      appendNew(this.adIds, adIds, [...this.unknownAdIds, ...this.inFlight.ad_ids], MAX_QUEUED_IDS) +
      appendNew(this.pinIds, pinIds, [...this.unknownPinIds, ...this.inFlight.pin_ids], MAX_QUEUED_IDS)
    );
  }

  /** Takes the next call's ids (up to IDS_PER_SYNC of each kind) out of the queue; they are in flight until the sync ends. */
  take(): AdSyncBatch {
    this.inFlight = { ad_ids: this.adIds.splice(0, IDS_PER_SYNC), pin_ids: this.pinIds.splice(0, IDS_PER_SYNC) };
    this.reraised = { ad_ids: [], pin_ids: [] };
    return { ad_ids: [...this.inFlight.ad_ids], pin_ids: [...this.inFlight.pin_ids] };
  }

  /**
   * The sync under way ended: the ids Pinterest did not list are remembered, so new credits to them
   * queue nothing; ids credited again during the sync and listed are queued once more (their
   * attribution may have been made after the sync's fill).
   */
  synced(result: { unknown_ad_ids: readonly string[]; unknown_pin_ids: readonly string[] }): void {
    remember(this.unknownAdIds, result.unknown_ad_ids);
    remember(this.unknownPinIds, result.unknown_pin_ids);
    const reraised = this.reraised;
    this.dropped();
    this.add(reraised.ad_ids, reraised.pin_ids);
  }

  /** The sync under way waits (a refused grant or a daily cap): its ids go back to the head of the queue. */
  putBack(): void {
    const batch = this.inFlight;
    this.dropped();
    this.adIds.unshift(...batch.ad_ids.filter((id) => !this.adIds.includes(id)));
    this.pinIds.unshift(...batch.pin_ids.filter((id) => !this.pinIds.includes(id)));
    this.adIds.splice(MAX_QUEUED_IDS);
    this.pinIds.splice(MAX_QUEUED_IDS);
  }

  /** The sync under way failed otherwise: its ids are left to the hourly full sync. */
  dropped(): void {
    this.inFlight = { ad_ids: [], pin_ids: [] };
    this.reraised = { ad_ids: [], pin_ids: [] };
  }

  /** The full entity sync listed every ad: unknown ids may be asked for again. */
  fullSyncDone(): void {
    this.unknownAdIds.length = 0;
    this.unknownPinIds.length = 0;
  }

  /** What continue-as-new carries; undefined when there is nothing to carry. */
  carry(): UnsyncedAdsCarry | undefined {
    if (!this.waiting && this.unknownAdIds.length === 0 && this.unknownPinIds.length === 0) return undefined;
    return { ad_ids: [...this.adIds], pin_ids: [...this.pinIds], unknown_ad_ids: [...this.unknownAdIds], unknown_pin_ids: [...this.unknownPinIds] };
  }
}

/**
 * The on-demand ad sync is due: ads wait for it, Pinterest can be reached (not paused, not waiting
 * for re-authorization) and no daily cap is in force. `state` is the account's AdAccountState.
 */
export function adSyncDue(
  state: { unsyncedAds: UnsyncedAds; connection: { canReachPinterest: boolean }; schedule: { rateLimited(nowMs: number): boolean } },
  nowMs: number,
): boolean {
  return state.unsyncedAds.waiting && state.connection.canReachPinterest && !state.schedule.rateLimited(nowMs);
}

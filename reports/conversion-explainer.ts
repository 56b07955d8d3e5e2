import type { Kysely } from 'kysely';
import { terminalSafe } from '../domain/terminal-text';
import { listAttempts } from '../store/capi-attempts-store';
import { msotOutcome } from '../store/msot-store';
import type { Database } from '../store/database-schema';

/** One Conversions API request attempt of a conversion, as `conversions_api.attempts[]` shows it. */
export interface AttemptExplanation {
  /** 1 for the first request of this event, then 2, 3, ... */
  attempt: number;
  /** One id per HTTP request, shared by the events it carried. */
  request_id: string;
  /** How many events that request carried. */
  request_events: number;
  /** An earlier request of this event had no known outcome: Pinterest may hold a copy already. */
  repost: boolean;
  started_at: string;
  /** Null when no answer was stored (the sender stopped mid-request). */
  ended_at: string | null;
  /** Null (no answer stored), `processed`, `failed`, `refused` (the whole request), `retry` (not taken) or `unknown`. */
  outcome: string | null;
  http_status: number | null;
  /** The request's error: a non-2xx message, a timeout, a reset connection, an unreadable answer. */
  error: string | null;
  /** Pinterest's per-event answer (`events[]`). */
  event_status: string | null;
  error_message: string | null;
  warning_message: string | null;
}

/**
 * Why a conversion was (or was not) credited, as `GET /v1/conversions/{event_id}` and
 * `routy-pinterest conversion` show it. Times are ISO strings; lag is in seconds.
 */
export interface ConversionExplanation {
  ad_account_id: string;
  event_id: string;
  event_name: string;
  event_time: string;
  received_at: string;
  /**
   * `pending` (waiting for a touchpoint until `hold_until`), `matched`, `expired`, or `duplicate`
   * (the same ad account, `event_name` and `order_id` as `duplicate_of`: not counted, not sent).
   */
  state: string;
  /** The `event_id` of the conversion this one repeats the order of; null unless `duplicate`. */
  duplicate_of: string | null;
  hold_until: string;
  attribution: null | {
    campaign_id: string | null;
    ad_group_id: string | null;
    ad_id: string | null;
    pin_id: string | null;
    touch_type: string;
    match_key: string;
    lag_seconds: number;
    touched_at: string;
  };
  conversions_api: {
    /**
     * `unsent`, `sending`/`posting` (in flight, or waiting for a repost after an unknown outcome), `sent`,
     * `failed` (Pinterest's message in `detail`), `stale`, `not_sendable` (reason in `detail`) or
     * `unconfirmed` (the outcome stayed unknown and it could not be posted again: it may not have
     * reached Pinterest; why in `detail`).
     */
    state: string;
    detail: Record<string, unknown> | null;
    attempted_at: string | null;
    /** Every request that carried it, first first. */
    attempts: AttemptExplanation[];
  };
  /**
   * Its Measurement Source of Truth event (accounts opted in with `setMsotOptIn`; absent when it
   * has none): `state` `pending`, `posting`, `posted`, `failed`, `refused` (the grant lacks scope
   * `msot:write`), `unconfirmed` or `not_postable`, with why in `reason`; the body posted; each request.
   */
  msot?: {
    state: string;
    reason: string | null;
    event: Record<string, unknown> | null;
    attempts: Array<{ attempt: number; started_at: string; ended_at: string | null; http_status: number | null; outcome: string | null; error: string | null }>;
  };
}

/** A conversion refused at the ingress: the fields at fault, never the values. */
export interface RejectedExplanation {
  event_id: string;
  ad_account_id: string | null;
  state: 'rejected';
  rejected_at: string;
  problems: Array<{ field: string; message: string }>;
}

/**
 * Every conversion with this `event_id`: stored ones (one per ad account) explained, then any
 * refusals at the ingress, newest first; empty when Routy never sent it.
 */
export async function explainConversion(db: Kysely<Database>, eventId: string): Promise<Array<ConversionExplanation | RejectedExplanation>> {
  const stored = await explainStoredConversion(db, eventId);
  const rejected = await db
    .selectFrom('rejected_conversions')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('rejected_at', 'desc')
    .limit(10)
    .execute();
  return [
    ...stored,
    ...rejected.map((r) => ({
      event_id: r.event_id,
      ad_account_id: r.ad_account_id,
      state: 'rejected' as const,
      rejected_at: r.rejected_at.toISOString(),
      problems: r.problems,
    })),
  ];
}

async function explainStoredConversion(db: Kysely<Database>, eventId: string): Promise<ConversionExplanation[]> {
  const rows = await db
    .selectFrom('conversions as c')
    .leftJoin('attributions as a', (join) => join.onRef('a.event_id', '=', 'c.event_id').onRef('a.ad_account_id', '=', 'c.ad_account_id'))
    .leftJoin('touchpoints as t', 't.touchpoint_id', 'a.touchpoint_id')
    .select([
      'c.ad_account_id',
      'c.event_id',
      'c.event_name',
      'c.event_time',
      'c.received_at',
      'c.attribution_state',
      'c.duplicate_of',
      'c.order_id',
      'c.hold_until',
      'c.capi_state',
      'c.capi_result',
      'c.capi_attempted_at',
      'a.campaign_id',
      'a.ad_group_id',
      'a.ad_id',
      'a.pin_id',
      'a.touch_type',
      'a.match_key',
      'a.lag_seconds',
      't.occurred_at',
    ])
    .where('c.event_id', '=', eventId)
    .orderBy('c.ad_account_id')
    .execute();
  const attempts = await Promise.all(rows.map((r) => listAttempts(db, r.ad_account_id, r.event_id)));
  const msot = await Promise.all(rows.map((r) => msotOutcome(db, r.ad_account_id, r.event_id)));
  return rows.map((r, i) => ({
    ad_account_id: r.ad_account_id,
    event_id: r.event_id,
    event_name: r.event_name,
    event_time: r.event_time.toISOString(),
    received_at: r.received_at.toISOString(),
    state: r.attribution_state,
    duplicate_of: r.duplicate_of,
    hold_until: r.hold_until.toISOString(),
    attribution:
      r.touch_type && r.match_key
        ? {
            campaign_id: r.campaign_id,
            ad_group_id: r.ad_group_id,
            ad_id: r.ad_id,
            pin_id: r.pin_id,
            touch_type: r.touch_type,
            match_key: r.match_key,
            lag_seconds: Number(r.lag_seconds),
            touched_at: r.occurred_at ? new Date(r.occurred_at).toISOString() : '',
          }
        : null,
    conversions_api: {
      state: r.capi_state,
      detail: r.capi_result,
      attempted_at: r.capi_attempted_at ? r.capi_attempted_at.toISOString() : null,
      attempts: attempts[i]!.map((a) => ({ ...a, started_at: a.started_at.toISOString(), ended_at: a.ended_at ? a.ended_at.toISOString() : null })),
    },
    ...(msot[i]
      ? {
          msot: {
            state: msot[i].state,
            reason: msot[i].reason,
            event: msot[i].body,
            attempts: msot[i].attempts.map((a) => ({ ...a, started_at: a.started_at.toISOString(), ended_at: a.ended_at ? a.ended_at.toISOString() : null })),
          },
        }
      : {}),
  }));
}

/**
 * A readable explanation for operators. Every line is made terminal-safe (terminalSafe): an
 * event_id, a rejected record's field or Pinterest's error message is shown with its control
 * characters (a newline too) escaped, never run.
 */
export function formatExplanation(e: ConversionExplanation | RejectedExplanation): string {
  return explanationLines(e).map(terminalSafe).join('\n');
}

function explanationLines(e: ConversionExplanation | RejectedExplanation): string[] {
  if (e.state === 'rejected') {
    const r = e as RejectedExplanation;
    return [
      `conversion ${r.event_id}${r.ad_account_id ? ` for ad account ${r.ad_account_id}` : ''}`,
      `  state       rejected at the ingress ${r.rejected_at}`,
      ...r.problems.map((p) => `  ${p.field}: ${p.message}`),
    ];
  }
  return storedLines(e as ConversionExplanation);
}

function storedLines(e: ConversionExplanation): string[] {
  const lines = [`conversion ${e.event_id} (${e.event_name}) in ad account ${e.ad_account_id}`, `  event time  ${e.event_time}, received ${e.received_at}`];
  lines.push(`  state       ${e.state}${e.state === 'pending' ? ` (held until ${e.hold_until})` : ''}`);
  if (e.duplicate_of) {
    lines.push(`  duplicate of conversion ${e.duplicate_of}: the same ${e.event_name} order, counted and sent once, as that one`);
  } else if (e.attribution) {
    const a = e.attribution;
    const days = (a.lag_seconds / 86_400).toFixed(1);
    lines.push(
      `  credited to pin ${a.pin_id ?? '-'} (ad ${a.ad_id ?? '-'}, ad group ${a.ad_group_id ?? '-'}, campaign ${a.campaign_id ?? '-'})`,
      `              by a ${a.touch_type} at ${a.touched_at}, matched on ${a.match_key}, ${days} days before the conversion`,
    );
  } else {
    lines.push('  credited to nothing: no qualifying Pinterest touchpoint');
  }
  const detail = e.conversions_api.detail;
  const why = detail ? String(detail.reason ?? detail.error_message ?? detail.warning_message ?? '') : '';
  lines.push(`  Conversions API  ${e.conversions_api.state}${why ? `: ${why}` : ''}`);
  for (const a of e.conversions_api.attempts ?? []) lines.push(formatAttempt(a));
  if (e.msot) {
    lines.push(`  MSOT event  ${e.msot.state}${e.msot.reason ? `: ${e.msot.reason}` : ''}`);
    for (const a of e.msot.attempts) lines.push(`    #${a.attempt} ${a.started_at}: ${a.ended_at ? `${a.http_status !== null ? `HTTP ${a.http_status} ` : ''}${a.outcome ?? ''}${a.error ? `: ${a.error}` : ''}` : 'no answer stored (the sender stopped mid-request)'}`);
  }
  return lines;
}

/** One attempt on one line: `    #2 <started> request <id> (3 events), repost: HTTP 200 processed`. */
function formatAttempt(a: AttemptExplanation): string {
  const head = `    #${a.attempt} ${a.started_at} request ${a.request_id} (${a.request_events} event${a.request_events === 1 ? '' : 's'})${a.repost ? ', repost' : ''}`;
  if (!a.ended_at) return `${head}: no answer stored (the sender stopped mid-request)`;
  const status = a.http_status !== null ? `HTTP ${a.http_status} ` : '';
  const message = a.error_message ?? a.warning_message ?? (a.event_status ? null : a.error);
  return `${head}: ${status}${a.outcome ?? ''}${message ? `: ${message}` : ''}`;
}

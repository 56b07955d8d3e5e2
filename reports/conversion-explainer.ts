import type { Kysely } from 'kysely';
import type { Database } from '../store/database-schema';

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
  /** `pending` (waiting for a touchpoint until `hold_until`), `matched` or `expired`. */
  state: string;
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
     * `unsent`, `sending`/`posting` (in flight), `sent`, `failed` (Pinterest's message in `detail`), `stale`,
     * `not_sendable` (reason in `detail`) or `unconfirmed` (the sender stopped mid-request; not posted again).
     */
    state: string;
    detail: Record<string, unknown> | null;
    attempted_at: string | null;
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
  return rows.map((r) => ({
    ad_account_id: r.ad_account_id,
    event_id: r.event_id,
    event_name: r.event_name,
    event_time: r.event_time.toISOString(),
    received_at: r.received_at.toISOString(),
    state: r.attribution_state,
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
    },
  }));
}

/** A readable explanation for operators. */
export function formatExplanation(e: ConversionExplanation | RejectedExplanation): string {
  if (e.state === 'rejected') {
    const r = e as RejectedExplanation;
    return [
      `conversion ${r.event_id}${r.ad_account_id ? ` for ad account ${r.ad_account_id}` : ''}`,
      `  state       rejected at the ingress ${r.rejected_at}`,
      ...r.problems.map((p) => `  ${p.field}: ${p.message}`),
    ].join('\n');
  }
  return formatStored(e as ConversionExplanation);
}

function formatStored(e: ConversionExplanation): string {
  const lines = [`conversion ${e.event_id} (${e.event_name}) in ad account ${e.ad_account_id}`, `  event time  ${e.event_time}, received ${e.received_at}`];
  lines.push(`  state       ${e.state}${e.state === 'pending' ? ` (held until ${e.hold_until})` : ''}`);
  if (e.attribution) {
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
  return lines.join('\n');
}

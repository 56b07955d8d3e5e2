import { z } from 'zod';
import type { CapiEvent } from '../domain/capi-event';
import type { PinterestHttp } from './http';

/** At most this many events per `POST /v5/ad_accounts/{id}/events` request. */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** components.schemas.ConversionApiResponse: one `events[]` entry per event sent, in order. */
export const conversionApiResponseSchema = z.object({
  num_events_received: z.number().int(),
  num_events_processed: z.number().int(),
  events: z.array(
    z.object({
      status: z.enum(['processed', 'failed']),
      error_message: z.string().nullish(),
      warning_message: z.string().nullish(),
    }),
  ),
});

export type ConversionApiResponse = z.infer<typeof conversionApiResponseSchema>;

/**
 * Sends conversion events. `POST /v5/ad_accounts/{id}/events` (`events/create`, rate-limit
 * category `ads_conversions`), `?test=true` when asked.
 * @throws RangeError for an empty batch or more than 1,000 events; PinterestApiError on non-2xx.
 */
export function sendConversionEvents(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  events: CapiEvent[],
  options: { test?: boolean } = {},
): Promise<ConversionApiResponse> {
  if (events.length === 0 || events.length > MAX_EVENTS_PER_REQUEST) {
    throw new RangeError(`events/create takes 1 to ${MAX_EVENTS_PER_REQUEST} events, got ${events.length}`);
  }
  return http.request({
    method: 'POST',
    path: `/ad_accounts/${adAccountId}/events`,
    category: 'ads_conversions',
    accessToken,
    query: options.test ? { test: true } : undefined,
    json: { data: events },
    schema: conversionApiResponseSchema,
  });
}

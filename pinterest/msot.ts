import { z } from 'zod';
import type { MsotEvent } from '../domain/msot-event';
import type { PinterestHttp } from './http';

/**
 * Posts one attributed Measurement Source of Truth event. `POST /v5/ad_accounts/{id}/msot/events`
 * (operationId `msot_events/create`, beta, scope `msot:write`, rate-limit category `msot_write`);
 * body components.schemas.ConversionMSOTEvents; Pinterest answers 200 with no body.
 * @throws PinterestApiError on non-2xx: 401 code 3 when the token lacks scope `msot:write`, 400
 * code 4196 for an invalid request, 403 code 29 for an account the token cannot reach, 429 code 8.
 */
export async function sendMsotEvent(http: PinterestHttp, accessToken: string, adAccountId: string, event: MsotEvent): Promise<void> {
  await http.request({
    method: 'POST',
    path: `/ad_accounts/${adAccountId}/msot/events`,
    category: 'msot_write',
    accessToken,
    json: event,
    schema: z.unknown(),
  });
}

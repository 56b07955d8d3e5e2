// The emulator's delivery count (what Pinterest would count under the cautious deduplication
// rule) through the real Conversions API route and the control route a chaos run reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapiEvent } from '../../domain/capi-event';
import { PinterestEmulator } from '../../emulator/pinterest-emulator';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { sendConversionEvents } from '../../pinterest/conversions';
import { PinterestHttp } from '../../pinterest/http';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';

const spec = sharedFile('pinterest/openapi-v5.yaml');
const MINUTE = 60_000;
/** The events happened at noon on the emulator's pinned clock. */
const eventTime = Date.parse('2026-11-29T12:00:00Z');

const event = (id: string, actionSource: string): CapiEvent => ({
  event_name: 'checkout',
  action_source: actionSource,
  event_time: eventTime / 1000,
  event_id: id,
  user_data: { em: ['a'.repeat(64)] },
  custom_data: { currency: 'USD', value: '12.00', order_id: `o-${id}` },
  partner_name: 'ss-routy',
});

describe('emulator delivery report', () => {
  it('answers every copy processed, drops a web copy inside the hour, counts an offline or late copy again, and reports it per account', async () => {
    let clock = eventTime + 5 * MINUTE;
    const emulator = new PinterestEmulator({ now: () => new Date(clock) });
    const origin = await emulator.listen(0);
    try {
      const http = new PinterestHttp(emulator.apiBaseUrl(origin));
      const token = emulator.issueConversionToken(DEMO_AD_ACCOUNT_ID);
      const post = (events: CapiEvent[]) => sendConversionEvents(http, token, DEMO_AD_ACCOUNT_ID, events);
      const allProcessed = { num_events_received: 2, num_events_processed: 2, events: Array(2).fill({ status: 'processed', error_message: null, warning_message: null }) };

      assert.deepEqual(await post([event('web-1', 'web'), event('offline-1', 'offline')]), allProcessed);
      clock += 10 * MINUTE;
      // Pinterest does not say a copy was dropped: the answer is the same.
      assert.deepEqual(await post([event('web-1', 'web'), event('offline-1', 'offline')]), allProcessed);
      clock += 50 * MINUTE; // 65 minutes after event_time: categorized offline, counted again
      await post([event('web-1', 'web')]);

      const expected = {
        ad_account_id: DEMO_AD_ACCOUNT_ID,
        requests: 3,
        events_received: 5,
        events_counted: 4,
        copies_dropped: 1,
        events_counted_more_than_once: 2,
        counted_more_than_once_event_ids: ['offline-1', 'web-1'],
      };
      assert.deepEqual(emulator.deliveryReport(DEMO_AD_ACCOUNT_ID), expected);
      const read = async (path: string) => {
        const response = await fetch(`${origin}${path}`);
        return { status: response.status, body: await response.json() };
      };
      assert.deepEqual(await read(`/_emulator/delivery?ad_account_id=${DEMO_AD_ACCOUNT_ID}`), { status: 200, body: expected });
      assert.deepEqual(await read(`/_emulator/delivery/events?ad_account_id=${DEMO_AD_ACCOUNT_ID}`), {
        status: 200,
        body: [
          { event_id: 'web-1', event_name: 'checkout', times_counted: 2 },
          { event_id: 'offline-1', event_name: 'checkout', times_counted: 2 },
        ],
      });
      assert.equal((await read('/_emulator/delivery')).status, 400);
      assert.equal(emulator.capiRequests.length, 3, 'every request is still recorded');

      if (spec.path) {
        const checker = new OpenApiChecker(spec.path);
        assert.equal(emulator.exchanges.length, 3);
        assert.deepEqual(emulator.exchanges.flatMap((exchange) => checker.check(exchange)), []);
      }
    } finally {
      await emulator.close();
    }
  });
});

// The attribution rules as the store applies them on PostgreSQL, batch by batch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { attributeConversions, pendingConversionsTouchedBy } from '../../store/attribution-store';
import { insertConversions } from '../../store/conversions-store';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { insertTouchpoints } from '../../store/touchpoints-store';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';
import { buildSeed } from '../../emulator/seed';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { createTestDatabase } from '../support/postgres';

const A = '549764105221';
const DAY = 86_400_000;
const now = Date.now();
const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
let db: Kysely<Database>;
let drop: () => Promise<void>;
const seed = buildSeed();

const touch = (type: string, daysAgo: number, extra: Record<string, unknown>) =>
  prepareTouchpoints([{ ad_account_id: A, type, occurred_at: at(daysAgo), ...extra }]).accepted.map((a) => a.record);
const convert = (eventId: string, extra: Record<string, unknown>) =>
  prepareConversions([{ event_id: eventId, event_name: 'checkout', event_time: at(0), ad_account_id: A, ...extra }]).accepted.map((a) => a.record);
const attributionOf = (eventId: string) => db.selectFrom('attributions').selectAll().where('event_id', '=', eventId).executeTakeFirst();

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = await openDatabase({ kind: 'postgres', url: database.url });
  await migrateToLatest(db);
  await db
    .insertInto('ads')
    .values(seed.ads.map((a) => ({ ad_account_id: A, ad_id: a.id, ad_group_id: a.ad_group_id, campaign_id: a.campaign_id, pin_id: a.pin_id, creative_type: a.creative_type, name: a.name, status: a.status, raw: '{}', synced_at: new Date() })))
    .execute();
});
after(async () => {
  await db?.destroy();
  await drop?.();
});

describe('attribution in PostgreSQL', () => {
  it('picks click id over identifier, click over engagement over view, then the latest, in one batch', async () => {
    const [ad1, ad2, ad3, ad4] = seed.ads;
    await insertTouchpoints(db, [
      ...touch('click', 25, { click_id: 'epik-old', ad_id: ad1!.id }),
      ...touch('click', 2, { click_id: 'epik-other', ad_id: ad2!.id, user: { email: 'ada@example.com' } }),
      ...touch('engagement', 1, { pin_id: ad3!.pin_id, user: { email: 'bob@example.com' } }),
      ...touch('view', 0.5, { ad_id: ad4!.id, user: { email: 'bob@example.com' } }),
      ...touch('engagement', 5, { pin_id: ad3!.pin_id, user: { email: 'cy@example.com' } }),
      ...touch('engagement', 3, { ad_id: ad2!.id, user: { email: 'cy@example.com' } }),
      ...touch('view', 2, { ad_id: ad4!.id, user: { email: 'dee@example.com' } }),
    ]);
    await insertConversions(
      db,
      [
        ...convert('ada', { click_id: 'epik-old', user: { email: 'ada@example.com' } }),
        ...convert('bob', { user: { email: 'bob@example.com' } }),
        ...convert('cy', { user: { email: 'cy@example.com' } }),
        ...convert('dee', { user: { email: 'dee@example.com' } }),
      ],
      3600,
      new Date(),
    );
    const matched = await attributeConversions(db, A, ['ada', 'bob', 'cy', 'dee'], DEFAULT_ATTRIBUTION_SETTINGS);
    assert.deepEqual(matched.sort(), ['ada', 'bob', 'cy']);
    const ada = await attributionOf('ada');
    assert.deepEqual([ada?.match_key, ada?.touch_type, ada?.ad_id], ['click_id', 'click', ad1!.id], 'the older click-id match beats the newer email match');
    const bob = await attributionOf('bob');
    assert.deepEqual([bob?.match_key, bob?.touch_type, bob?.ad_id, bob?.pin_id], ['em', 'engagement', ad3!.id, ad3!.pin_id], 'engagement over a later view; ad completed from the pin');
    const cy = await attributionOf('cy');
    assert.equal(cy?.ad_id, ad2!.id, 'the latest of two engagements');
    assert.equal(await attributionOf('dee'), undefined, 'a 2-day-old view is outside the 1-day view window');
  });

  it('a late click finds the pending conversion it belongs to', async () => {
    await insertConversions(db, convert('late', { click_id: 'epik-late' }), 3600, new Date());
    assert.deepEqual(await attributeConversions(db, A, ['late'], DEFAULT_ATTRIBUTION_SETTINGS), []);
    const late = touch('click', 4, { click_id: 'epik-late', ad_id: seed.ads[5]!.id });
    await insertTouchpoints(db, late);
    const touched = await pendingConversionsTouchedBy(db, A, late);
    assert.ok(touched.includes('late') && touched.includes('dee') === false);
    assert.deepEqual(await attributeConversions(db, A, touched, DEFAULT_ATTRIBUTION_SETTINGS), ['late']);
    assert.equal(Number((await attributionOf('late'))?.lag_seconds), 4 * 86_400);
  });
});

// Raw user data (IP address, user agent, partner_id) leaves PostgreSQL once no Conversions API post
// can need it: with a conversion's final state, its expiry or as an order duplicate, and, for the
// copies a click keeps, at the sweep after its window (README "Personal data").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { longestWindowDays } from '../../domain/attribution-rules';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { differingFields } from '../../domain/conversion-differences';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';
import { attributeConversions } from '../../store/attribution-store';
import { claimConversionsToSend, markPosting, recordCapiOutcomes, recoverInterruptedSends } from '../../store/capi-store';
import { expireConversions, insertConversions } from '../../store/conversions-store';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { sweepRawUserData } from '../../store/personal-data-store';
import { insertTouchpoints } from '../../store/touchpoints-store';
import { createTestDatabase } from '../support/postgres';

const A = '549764105221';
const DAY = 86_400_000;
const WINDOW = longestWindowDays(DEFAULT_ATTRIBUTION_SETTINGS);
const now = new Date();
const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString();
const RAW = { ip: '203.0.113.77', user_agent: 'Mozilla/5.0 (PersonalDataTest)', partner_id: 'ramp-secret-77' };
const RAW_KEYS = ['client_ip_address', 'client_user_agent', 'partner_id'];
let db: Kysely<Database>;
let drop: () => Promise<void>;

const touch = (type: string, daysAgo: number, extra: Record<string, unknown>) =>
  prepareTouchpoints([{ ad_account_id: A, type, occurred_at: at(daysAgo), pin_id: '813744226639', user: { email: 'clicker@example.com', ...RAW }, ...extra }]).accepted.map((a) => a.record);
const conversion = (eventId: string, daysAgo: number, extra: Record<string, unknown> = {}) =>
  prepareConversions([{ event_id: eventId, event_name: 'checkout', event_time: at(daysAgo), ad_account_id: A, order_id: `order-${eventId}`, user: { email: `${eventId}@example.com`, ...RAW }, ...extra }]).accepted.map((a) => a.record);
const store = async (records: ReturnType<typeof conversion>) => db.transaction().execute((trx) => insertConversions(trx, records, 30 * 86_400, now));
const conversionData = async (eventId: string) =>
  (await db.selectFrom('conversions').select('user_data').where('ad_account_id', '=', A).where('event_id', '=', eventId).executeTakeFirstOrThrow()).user_data;
const clickData = async (clickId: string) =>
  (await db.selectFrom('touchpoints').select('user_data').where('ad_account_id', '=', A).where('click_id', '=', clickId).executeTakeFirstOrThrow()).user_data;
const rawOf = (userData: Record<string, unknown>) => RAW_KEYS.filter((key) => key in userData);

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = await openDatabase({ kind: 'postgres', url: database.url });
  await migrateToLatest(db);
  await db.insertInto('pinterest_connections').values({ connection_id: 'c', access_token_encrypted: 'x', refresh_token_encrypted: 'x', encryption_key_id: 'x', access_token_expires_at: new Date(), scope: '' }).execute();
  await db.insertInto('ad_accounts').values({ ad_account_id: A, connection_id: 'c', name: 'test', currency: 'USD', time_zone: 'UTC', ...DEFAULT_ATTRIBUTION_SETTINGS }).execute();
});
after(async () => {
  await db?.destroy();
  await drop?.();
});

describe('conversions lose their raw user data once no post can need it', () => {
  it('a sent conversion keeps its hashes and no IP address, user agent or partner_id; a pending one keeps them', async () => {
    await insertTouchpoints(db, touch('click', 1, { click_id: 'pd-click-sent' }));
    await store([...conversion('pd-sent', 0, { click_id: 'pd-click-sent' }), ...conversion('pd-pending', 0)]);
    assert.deepEqual(await attributeConversions(db, A, ['pd-sent', 'pd-pending'], DEFAULT_ATTRIBUTION_SETTINGS), ['pd-sent']);
    const [claimed] = await claimConversionsToSend(db, A, 10, now);
    assert.equal(claimed!.user_data.client_ip_address, RAW.ip, 'the claim reads the raw IP address it posts');
    await markPosting(db, A, ['pd-sent']);
    assert.deepEqual(rawOf(await conversionData('pd-sent')), RAW_KEYS, 'posting (outcome unknown, may be reposted identically): kept');
    await recordCapiOutcomes(db, A, [{ event_id: 'pd-sent', capi_state: 'sent', result: { status: 'processed' } }]);
    const sent = await conversionData('pd-sent');
    assert.deepEqual(rawOf(sent), []);
    assert.equal(typeof sent.em, 'string', 'the hashed email stays');
    assert.equal(sent.raw_erased, true);
    assert.deepEqual(rawOf(await conversionData('pd-pending')), RAW_KEYS);
  });

  it('a repeat of a sent conversion is not told its IP address or user agent differ, only what does', async () => {
    const asStored = (record: ReturnType<typeof conversion>[number], userData = record.user_data) => ({ value: null, ...record, event_time: new Date(record.event_time), user_data: userData }) as never;
    const stored = asStored(conversion('pd-sent', 0)[0]!, await conversionData('pd-sent'));
    const repeat = asStored(conversion('pd-sent', 0, { click_id: 'pd-click-sent', user: { email: 'other@example.com', ...RAW } })[0]!);
    assert.deepEqual(differingFields(stored, repeat), ['click_id', 'user.email']);
  });

  it('unconfirmed, expired and order duplicates keep none', async () => {
    await insertTouchpoints(db, touch('click', 1, { click_id: 'pd-click-lost' }));
    await store(conversion('pd-lost', 0, { click_id: 'pd-click-lost' }));
    await attributeConversions(db, A, ['pd-lost'], DEFAULT_ATTRIBUTION_SETTINGS);
    await claimConversionsToSend(db, A, 10, now);
    await markPosting(db, A, ['pd-lost']);
    // The sender died mid-request before attempts were recorded: unconfirmed, never posted again.
    assert.equal((await recoverInterruptedSends(db, A)).unconfirmed, 1);
    assert.deepEqual(rawOf(await conversionData('pd-lost')), []);

    await db.transaction().execute((trx) => insertConversions(trx, conversion('pd-expiring', 0), 0, now));
    await expireConversions(db, A, new Date(now.getTime() + 1000));
    assert.deepEqual(rawOf(await conversionData('pd-expiring')), []);

    const [dup] = conversion('pd-dup', 0, { order_id: 'order-pd-pending' });
    assert.deepEqual((await store([dup!])).order_duplicates, [{ event_id: 'pd-dup', duplicate_of: 'pd-pending' }]);
    assert.deepEqual(rawOf(await conversionData('pd-dup')), []);
  });
});

describe('touchpoints keep a click\'s IP address and user agent while a conversion may borrow them', () => {
  it('stores no partner_id, and no IP address or user agent for engagements and views', async () => {
    await insertTouchpoints(db, [...touch('click', 2, { click_id: 'pd-click-fresh' }), ...touch('engagement', 2, { click_id: 'pd-engaged' })]);
    assert.deepEqual(rawOf(await clickData('pd-click-fresh')), ['client_ip_address', 'client_user_agent']);
    assert.deepEqual(rawOf(await clickData('pd-engaged')), []);
  });

  it('the sweep deletes them past the window + 7 days, keeps them within, and keeps a click an unsent conversion borrows from', async () => {
    const past = WINDOW + 7 + 1;
    await insertTouchpoints(db, [
      ...touch('click', past, { click_id: 'pd-click-old' }),
      ...touch('click', past, { click_id: 'pd-click-borrowed' }),
      ...touch('click', WINDOW + 6, { click_id: 'pd-click-within' }),
    ]);
    // A conversion attributed to the old click (under a window since shortened, say), not sent yet.
    await store(conversion('pd-borrower', WINDOW + 6, { click_id: 'pd-click-borrowed' }));
    await attributeConversions(db, A, ['pd-borrower'], { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 60 });
    // A matched conversion whose event_time is over 7 days old: any post of it is stale.
    const swept = await sweepRawUserData(db, A, now);
    assert.deepEqual(rawOf(await clickData('pd-click-old')), []);
    assert.equal(typeof (await clickData('pd-click-old')).em, 'string', 'the hashed identifiers stay for matching');
    assert.deepEqual(rawOf(await clickData('pd-click-borrowed')), ['client_ip_address', 'client_user_agent'], 'an unsent conversion attributed to it borrows them');
    assert.deepEqual(rawOf(await clickData('pd-click-within')), ['client_ip_address', 'client_user_agent']);
    assert.deepEqual(rawOf(await clickData('pd-click-fresh')), ['client_ip_address', 'client_user_agent']);
    assert.deepEqual(rawOf(await conversionData('pd-borrower')), [], 'its own event_time is over 7 days old: no post can use them');
    assert.deepEqual(rawOf(await conversionData('pd-pending')), RAW_KEYS, 'a pending conversion of today keeps them');
    assert.deepEqual(swept, { conversions: 1, touchpoints: 1 });

    // Once that conversion reaches its final state, the next sweep takes the click's too.
    await claimConversionsToSend(db, A, 10, now);
    await recordCapiOutcomes(db, A, [{ event_id: 'pd-borrower', capi_state: 'stale', result: { reason: 'older than 7 days' } }]);
    assert.deepEqual(await sweepRawUserData(db, A, now), { conversions: 0, touchpoints: 1 });
    assert.deepEqual(rawOf(await clickData('pd-click-borrowed')), []);
  });

  it('an account not stored has nothing to sweep', async () => {
    assert.deepEqual(await sweepRawUserData(db, '999', now), { conversions: 0, touchpoints: 0 });
  });
});

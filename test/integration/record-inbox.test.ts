// The inbox between the ingress and the account's workflow, on real PostgreSQL: the nudge
// protocol (the ingress nudges only a parked workflow, and no record is ever left behind a park
// without a nudge), and takes that a rollback puts back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { prepareConversions } from '../../domain/routy-records';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { inboxHasRecords, parkInbox, putInInbox, takeFromInbox, withdrawFromInbox } from '../../store/record-inbox-store';
import { createTestDatabase } from '../support/postgres';

const A = '549764105221';
let db: Kysely<Database>;
let drop: () => Promise<void>;

const conversions = (prefix: string, n: number) =>
  prepareConversions(Array.from({ length: n }, (_, i) => ({ event_id: `${prefix}-${i}`, event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: A, user: { email: `${prefix}-${i}@example.com` } }))).accepted.map((a) => a.record);

/** Takes everything the account has in the inbox, committed. */
const takeAll = (account = A) => db.transaction().execute((trx) => takeFromInbox(trx, account, 100_000));

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = await openDatabase({ kind: 'postgres', url: database.url });
  await migrateToLatest(db);
});

after(async () => {
  await db?.destroy();
  await drop?.();
});

describe('the record inbox', () => {
  it('nudges only a parked workflow, and parks only with the inbox empty', async () => {
    assert.equal((await putInInbox(db, A, 'conversion', conversions('first', 2))).nudge, true, 'an account never seen: nudge');
    assert.equal((await putInInbox(db, A, 'conversion', conversions('second', 1))).nudge, false, 'the workflow was nudged and has not parked: no second nudge');
    assert.equal(await parkInbox(db, A), false, 'three records wait: no park');
    const taken = await takeAll();
    assert.deepEqual(taken.conversions.map((c) => c.event_id), ['first-0', 'first-1', 'second-0']);
    assert.equal(taken.conversions[0]!.user_data.em, conversions('first', 1)[0]!.user_data.em, 'the hashed user data comes back as it went in');
    assert.equal(await parkInbox(db, A), true);
    assert.equal((await putInInbox(db, A, 'conversion', conversions('third', 1))).nudge, true, 'parked: the next records nudge');
  });

  it('withdraws records whose nudge failed, and the next caller nudges', async () => {
    await takeAll();
    await parkInbox(db, A);
    const put = await putInInbox(db, A, 'conversion', conversions('withdrawn', 3));
    assert.deepEqual([put.inbox_ids.length, put.nudge], [3, true]);
    await withdrawFromInbox(db, A, put.inbox_ids);
    assert.equal(await inboxHasRecords(db, A), false);
    assert.equal((await putInInbox(db, A, 'conversion', conversions('after', 1))).nudge, true, 'the withdrawn nudge is owed to the next caller');
  });

  it('puts records back when the transaction that took them rolls back', async () => {
    await takeAll();
    await putInInbox(db, A, 'conversion', conversions('rolled', 2));
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        assert.equal((await takeFromInbox(trx, A, 10)).conversions.length, 2);
        throw new Error('store failed');
      }),
      /store failed/,
    );
    assert.deepEqual((await takeAll()).conversions.map((c) => c.event_id), ['rolled-0', 'rolled-1']);
  });

  it('never leaves a record behind a park without a nudge, however a put and a park interleave', async () => {
    const account = 'race-account';
    await putInInbox(db, account, 'conversion', conversions('race-start', 1));
    let stranded = 0;
    for (let round = 0; round < 200; round += 1) {
      // The workflow takes what is there and parks, while the ingress puts a record and claims.
      const [parked, nudged] = await Promise.all([
        (async () => {
          await takeAll(account);
          return parkInbox(db, account);
        })(),
        (async () => (await putInInbox(db, account, 'conversion', conversions(`race-${round}`, 1))).nudge)(),
      ]);
      // A record waits after a successful park only if the ingress then nudged.
      if (parked && (await inboxHasRecords(db, account)) && !nudged) stranded += 1;
      // Start the next round from a nudged, running workflow.
      if (!nudged) await putInInbox(db, account, 'conversion', conversions(`race-${round}-next`, 1));
    }
    assert.equal(stranded, 0);
  });

  it('puts more records than one statement holds in one transaction, in order', async () => {
    await takeAll();
    await parkInbox(db, A);
    const put = await putInInbox(db, A, 'conversion', conversions('many', 4500));
    assert.deepEqual([put.inbox_ids.length, put.nudge], [4500, true]);
    const taken = await takeAll();
    assert.deepEqual([taken.conversions[0]!.event_id, taken.conversions[4499]!.event_id], ['many-0', 'many-4499']);
  });
});

// The same migrations serve PostgreSQL and the embedded PGlite.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrateToLatest, openDatabase, type DatabaseLocation } from '../activities/store/database';
import { createTestDatabase } from './support/postgres';

async function migrateAndUse(location: DatabaseLocation) {
  const db = await openDatabase(location);
  try {
    const results = await migrateToLatest(db);
    assert.ok(results && results.length >= 1 && results.every((r) => r.status === 'Success'));
    assert.deepEqual(await migrateToLatest(db), [], 'a second run applies nothing');
    await db
      .insertInto('metrics_daily')
      .values({
        ad_account_id: '1', level: 'ad', entity_id: '987654321012345678', date: '2026-11-01',
        click_window_days: 30, engagement_window_days: 30, view_window_days: 1, conversion_report_time: 'TIME_OF_AD_ACTION',
        currency: 'JPY', spend_micro: '9007199254740993', impressions: 1, saves: 0, pin_clicks: 0, outbound_clicks: 0,
        is_partial: false, columns: '{}', pulled_at: new Date(),
      })
      .execute();
    const row = await db.selectFrom('metrics_daily').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.entity_id, '987654321012345678');
    assert.equal(String(row.spend_micro), '9007199254740993', 'bigint micro-currency keeps every digit');
    assert.equal(row.date, '2026-11-01');
  } finally {
    await db.destroy();
  }
}

describe('migrations', () => {
  it('run on PostgreSQL', async () => {
    const database = await createTestDatabase();
    try {
      await migrateAndUse({ kind: 'postgres', url: database.url });
    } finally {
      await database.drop();
    }
  });

  it('run on embedded PGlite', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routy-pglite-'));
    try {
      await migrateAndUse({ kind: 'pglite', dataDir: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

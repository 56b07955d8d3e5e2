import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { sha256Hex } from '../../domain/user-data';

const run = (input: string) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile('node', ['bin/routy-pinterest.js', 'capi-preview'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin!.end(input);
  });

it('capi-preview prints the exact event body, or the error naming the field, one line per input line', async () => {
  const time = new Date(Date.now() - 3600_000).toISOString();
  const good = { event_id: 'e1', event_name: 'checkout', event_time: time, ad_account_id: '1', value: 9.5, currency: 'EUR', order_id: 'o1', click_id: 'epik', user: { email: 'A@B.com' } };
  const out = (await run([JSON.stringify(good), '{oops', JSON.stringify({ ...good, event_id: '' })].join('\n'))).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(out[0], {
    line: 1,
    ad_account_id: '1',
    event: {
      event_name: 'checkout',
      action_source: 'web',
      event_time: Math.floor(Date.parse(time) / 1000),
      event_id: 'e1',
      user_data: { em: [sha256Hex('a@b.com')], click_id: 'epik' },
      custom_data: { currency: 'EUR', value: '9.5', order_id: 'o1' },
      partner_name: 'ss-routy',
    },
  });
  assert.deepEqual(out[1], { line: 2, error: [{ field: '(line)', message: 'is not valid JSON' }] });
  assert.deepEqual(out[2], { line: 3, error: [{ field: 'event_id', message: 'must not be empty' }] });
});


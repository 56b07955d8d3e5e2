import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hashIdentifier, hashUser, normalizers, sha256Hex, type HashedField } from '../../domain/user-data';
import { prepareConversions } from '../../domain/routy-records';
import { sharedFile } from '../support/shared-files';

const examples = sharedFile('capi/normalization-examples.json');

describe('normalization examples from ../shared/capi', { skip: examples.skip }, () => {
  const { cases } = JSON.parse(readFileSync(examples.path!, 'utf8')) as {
    cases: Array<{ field: string; input: string; normalized: string | null; sha256: string | null }>;
  };
  for (const c of cases) {
    it(`${c.field}: ${JSON.stringify(c.input)}`, () => {
      if (c.field === 'click_id') {
        assert.equal(c.sha256, null);
        const [record] = prepareConversions([
          { event_id: 'x', event_name: 'lead', event_time: 1_790_000_000, ad_account_id: '1', click_id: c.input },
        ]).accepted;
        assert.equal(record?.record.click_id, c.normalized, 'click_id is kept as sent');
        return;
      }
      const field = c.field as HashedField;
      assert.equal(hashIdentifier(field, c.input) ?? null, c.sha256);
      if (c.sha256 && !/^[0-9a-fA-F]{64}$/.test(c.input.trim())) assert.equal(normalizers[field](c.input), c.normalized);
    });
  }
});

describe('hashUser', () => {
  it('hashes every personal field, keeps IP and user agent, and drops blanks', () => {
    const hashed = hashUser({
      email: ' A@B.com ',
      phone: '',
      first_name: 'Mary',
      ip: '203.0.113.7',
      user_agent: 'UA/1',
      gender: 'unknown',
    });
    assert.deepEqual(hashed, {
      em: sha256Hex('a@b.com'),
      fn: sha256Hex('mary'),
      client_ip_address: '203.0.113.7',
      client_user_agent: 'UA/1',
    });
  });
});

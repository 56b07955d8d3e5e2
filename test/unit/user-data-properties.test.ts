// Property tests (fast-check) for the personal-data rules: normalization is idempotent, and no raw
// personal value survives into what is stored, whatever Routy sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashUser, normalizers, type HashedField } from '../../domain/user-data';
import { prepareConversions } from '../../domain/routy-records';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300);

const anyText = fc.string({ unit: 'grapheme', maxLength: 40 });
const phoneLike = fc.stringMatching(/^(\+|00)?[\d\s().-]{4,20}$/);
const dateLike = fc.oneof(fc.date({ min: new Date('1900-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), anyText);

describe('normalization', () => {
  for (const field of Object.keys(normalizers) as HashedField[]) {
    it(`${field}: normalizing twice equals normalizing once`, () => {
      const input = field === 'ph' ? fc.oneof(phoneLike, anyText) : field === 'db' ? dateLike : anyText;
      fc.assert(
        fc.property(input, (raw) => {
          const once = normalizers[field](raw);
          if (once === undefined || once === '') return;
          assert.equal(normalizers[field](once), once);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('what is stored', () => {
  // A value with a character outside hex digits cannot hide inside a digest by chance.
  const personal = fc.stringMatching(/^[a-z]{2,10}[g-z@.+ -][a-z0-9]{2,12}$/);
  it('holds no raw email, phone, name or address, only digests and the IP and user agent as given', () => {
    fc.assert(
      fc.property(personal, personal, personal, personal, personal, personal, (email, first, last, city, street, external) => {
        const user = { email: `${email}@example.com`, first_name: first, last_name: last, city, state: street, external_id: external, phone: '+44 20 7946 0958' };
        const { accepted } = prepareConversions([{ event_id: 'e', event_name: 'lead', event_time: 1_790_000_000, ad_account_id: '1', user }]);
        const stored = JSON.stringify(accepted[0]?.record);
        for (const raw of Object.values(user)) assert.ok(!stored.includes(raw.trim()), `${raw} leaked into ${stored}`);
        const hashed = hashUser(user);
        for (const [key, value] of Object.entries(hashed)) assert.match(value, /^[0-9a-f]{64}$/, key);
      }),
      { numRuns: RUNS },
    );
  });
});

// Property tests (fast-check) for the personal-data rules: normalization is idempotent, and no raw
// personal value survives into what is stored, whatever Routy sends; beside them, known inputs
// with the outputs Pinterest's normalization rules give, so a rule that is idempotent but wrong fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HASHED_FIELDS, hashIdentifier, hashUser, normalizers, sha256Hex, type HashedField } from '../../domain/user-data';
import { prepareConversions } from '../../domain/routy-records';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300);

const anyText = fc.string({ unit: 'grapheme', maxLength: 40 });
const phoneLike = fc.stringMatching(/^(\+|00)?[\d\s().-]{4,20}$/);
const dateLike = fc.oneof(fc.date({ min: new Date('1900-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), anyText);

/** Known inputs and what each field's normalization makes of them (`undefined`: the value is dropped). */
const KNOWN: Array<[HashedField, string, string | undefined]> = [
  ['em', '  Ada.Lovelace@Example.COM ', 'ada.lovelace@example.com'],
  ['ph', '+1 (415) 555-0100', '14155550100'],
  ['ph', '00 44 20 7946 0958', '442079460958'],
  ['ph', '+44 (0)20 7946 0958', '442079460958'],
  ['ph', '0415 555 0100', '4155550100'],
  ['ge', ' Female ', 'f'],
  ['ge', 'unknown', undefined],
  ['db', '1990-07-04', '19900704'],
  ['db', '19900704', '19900704'],
  ['db', '1990-02-30', undefined],
  ['fn', ' Mary ', 'mary'],
  ['ln', "O'Brien", "o'brien"],
  ['ct', 'San Francisco', 'sanfrancisco'],
  ['ct', 'Saint-Étienne', 'saintétienne'],
  ['st', 'California', 'ca'],
  ['st', 'CA', 'ca'],
  ['st', 'New York', 'ny'],
  ['st', 'Bavaria', undefined],
  ['zp', '94107-1234', '94107'],
  ['zp', 'SW1A 1AA', 'sw1a1aa'],
  ['country', ' US ', 'us'],
  ['country', 'USA', undefined],
  ['external_id', ' crm-42 ', 'crm-42'],
  ['hashed_maids', ' AEBE52E7-03EE-455A-B3C4-E57283966239 ', 'aebe52e7-03ee-455a-b3c4-e57283966239'],
];

describe('normalization', () => {
  it('gives the known output for known inputs, and the same again when normalized twice', () => {
    for (const [field, raw, expected] of KNOWN) {
      assert.equal(normalizers[field](raw), expected, `${field}: ${JSON.stringify(raw)}`);
      if (expected !== undefined) assert.equal(normalizers[field](expected), expected, `${field}: ${JSON.stringify(expected)} again`);
    }
    assert.deepEqual(new Set(KNOWN.map(([field]) => field)), new Set(Object.keys(normalizers)), 'every field has known cases');
  });

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

/** Text rich in characters NFC and NFD spell differently: accents, Hangul, the ohm and angstrom signs. */
const composable = fc.string({
  unit: fc.oneof(fc.constantFrom('é', 'e\u0301', 'Å', '\u212B', '\u2126', 'ñ', 'ç', 'Ö', 'ǅ', '한', 'ḯ', 'İ', 'ß', '-', ' ', '@', '1'), fc.string({ unit: 'grapheme', maxLength: 1 })),
  maxLength: 30,
});

describe('one identity, one hash', () => {
  it('"é" composed and decomposed hash the same in every field', () => {
    for (const field of HASHED_FIELDS) {
      assert.equal(hashIdentifier(field, ' Zoë Saint-Étienne@É.fr '), hashIdentifier(field, ' Zoë Saint-Étienne@É.fr '.normalize('NFD')), field);
    }
    assert.equal(hashIdentifier('fn', 'Ren\u0065\u0301e'), sha256Hex('renée'.normalize('NFC')));
  });

  for (const field of HASHED_FIELDS) {
    it(`${field}: the NFC and NFD spellings of any text hash the same`, () => {
      fc.assert(
        fc.property(composable, (text) => {
          assert.equal(hashIdentifier(field, text.normalize('NFC')), hashIdentifier(field, text.normalize('NFD')));
          const normalized = normalizers[field](text);
          if (normalized !== undefined) assert.equal(normalized, normalized.normalize('NFC'), 'the normalized value is NFC');
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('what is stored', () => {
  it('holds the digests of the normalized values of a known user, and the IP as given', () => {
    const user = { email: ' Ada@Example.com', phone: '+44 20 7946 0958', ip: '203.0.113.7' };
    const { accepted } = prepareConversions([{ event_id: 'e', event_name: 'lead', event_time: 1_790_000_000, ad_account_id: '1', user }]);
    assert.deepEqual(accepted[0]?.record.user_data, {
      em: 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72',
      ph: sha256Hex('442079460958'),
      client_ip_address: '203.0.113.7',
    });
    assert.equal(sha256Hex('ada@example.com'), 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72');
  });

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

// Property tests (fast-check) for click ids at the ingress: one id, one stored spelling, whether
// Routy sends it percent-encoded, decoded, or inside the page URL's query string.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeClickId } from '../../domain/click-ids';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300);
const SECONDS = 1_790_000_000;

/** What the ingress stores as the click id of a conversion, or `refused`. */
const storedFromConversion = (fields: Record<string, unknown>): string | undefined => {
  const { accepted } = prepareConversions([{ event_id: 'e', event_name: 'lead', event_time: SECONDS, ad_account_id: '1', ...fields }]);
  return accepted.length ? accepted[0]!.record.click_id : 'refused';
};
const storedFromTouchpoint = (clickId: string): string | undefined => {
  const { accepted } = prepareTouchpoints([{ ad_account_id: '1', type: 'click', occurred_at: SECONDS, pin_id: '2', click_id: clickId }]);
  return accepted.length ? accepted[0]!.record.click_id : 'refused';
};

/** Any text, percent signs and escapes included, and text shaped like Pinterest's base64 epik. */
const anyId = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('%', '2', '5', '3', 'D', 'Z', 'C', '0', 'a', '=', '+', ' '), maxLength: 20 }),
);
const epikLike = fc.stringMatching(/^[A-Za-z0-9_+/-]{8,60}={0,2}$/);

describe('click ids, percent-decoded', () => {
  it('a click id sent encoded is stored as the one sent plain, on conversions and touchpoints', () => {
    fc.assert(
      fc.property(anyId, (id) => {
        assert.equal(storedFromConversion({ click_id: encodeURIComponent(id) }), storedFromConversion({ click_id: id }));
        assert.equal(storedFromTouchpoint(encodeURIComponent(id)), storedFromTouchpoint(id));
      }),
      { numRuns: RUNS },
    );
  });

  it('decoding is idempotent: a decoded id decodes to itself, and a stored id sent again is stored the same', () => {
    fc.assert(
      fc.property(anyId, (id) => {
        const decoded = decodeClickId(id);
        assert.equal(decodeClickId(decoded), decoded);
        const stored = storedFromConversion({ click_id: id });
        if (stored !== 'refused' && stored !== undefined) assert.equal(storedFromConversion({ click_id: stored }), stored);
      }),
      { numRuns: RUNS },
    );
  });

  it('an id without a percent sign is kept as it is, a + included', () => {
    fc.assert(
      fc.property(epikLike, (id) => {
        assert.equal(decodeClickId(id), id);
        assert.equal(storedFromConversion({ click_id: id }), id);
      }),
      { numRuns: RUNS },
    );
  });

  it("the page URL's epik is stored as the same click id, unless the conversion has its own", () => {
    fc.assert(
      fc.property(epikLike, epikLike, (id, own) => {
        const url = `https://shop.example.com/cart?utm_source=pinterest&epik=${encodeURIComponent(id)}`;
        assert.equal(storedFromConversion({ event_source_url: url }), id);
        assert.equal(storedFromConversion({ event_source_url: url, click_id: own }), own);
      }),
      { numRuns: RUNS },
    );
  });
});

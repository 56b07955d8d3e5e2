import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimalToMicro } from '../../domain/money';

describe('decimalToMicro', () => {
  it('turns currency units into micro-currency exactly', () => {
    assert.equal(decimalToMicro('84.50'), '84500000');
    assert.equal(decimalToMicro('0'), '0');
    assert.equal(decimalToMicro('0.000001'), '1');
    assert.equal(decimalToMicro('12'), '12000000');
    // Where floating point would drift: 9007199254.740993 * 1e6 is not exact as a double.
    assert.equal(decimalToMicro('9007199254.740993'), '9007199254740993');
    assert.equal(decimalToMicro('999999999999.999999'), '999999999999999999');
  });

  it('rounds half up past the sixth decimal', () => {
    assert.equal(decimalToMicro('1.0000005'), '1000001');
    assert.equal(decimalToMicro('1.00000049'), '1000000');
  });

  it('gives null past a bigint column, and refuses what is not a decimal', () => {
    assert.equal(decimalToMicro('9223372036854.775807'), '9223372036854775807');
    assert.equal(decimalToMicro('9223372036854.775808'), null);
    assert.equal(decimalToMicro('999999999999999.999999'), null);
    assert.throws(() => decimalToMicro('-1'), /not a non-negative decimal: "-1"/);
    assert.throws(() => decimalToMicro('1e3'), /not a non-negative decimal/);
  });
});

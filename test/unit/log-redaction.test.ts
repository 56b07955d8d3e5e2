// The logger's redaction net: personal identifiers, hashed or not, never reach a log line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../observability/logger';
import { UNHASHED_FIELDS } from '../../domain/user-data';

/** The JSON lines a logger at INFO writes for `entry`. */
function logged(entry: Record<string, unknown>): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const logger = createLogger('INFO', { write: (line: string) => void lines.push(line) });
  logger.info(entry, 'entry');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('log redaction', () => {
  it('hides partner_id, IP address and user agent wherever they stand, one or two levels deep', () => {
    assert.ok(UNHASHED_FIELDS.includes('partner_id'));
    const [line] = logged({
      partner_id: 'ramp-1',
      event: { partner_id: 'ramp-2', client_ip_address: '203.0.113.7' },
      batch: { first: { partner_id: 'ramp-3', client_user_agent: 'UA/1' } },
      user_data: { partner_id: 'ramp-4', em: 'a'.repeat(64) },
    });
    const text = JSON.stringify(line);
    for (const secret of ['ramp-1', 'ramp-2', 'ramp-3', 'ramp-4', '203.0.113.7', 'UA/1', 'a'.repeat(64)]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.equal(line?.partner_id, '[redacted]');
    assert.deepEqual(line?.event, { partner_id: '[redacted]', client_ip_address: '[redacted]' });
  });
});

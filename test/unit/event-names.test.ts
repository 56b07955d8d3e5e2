// Routy's accepted `event_name` values are exactly the Conversions API's, as the spec lists them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { storedFromRecord, toCapiEvent } from '../../domain/capi-event';
import { EVENT_NAMES, prepareConversions } from '../../domain/routy-records';
import { sharedFile } from '../support/shared-files';

const specFile = sharedFile('pinterest/openapi-v5.yaml');

/** The names listed (`- \`name\``) in the description of ConversionEvents.data[].event_name: the spec gives no enum. */
function specEventNames(path: string): string[] {
  const spec = YAML.parse(readFileSync(path, 'utf8')) as { components: { schemas: Record<string, any> } };
  const description: string = spec.components.schemas.ConversionEvents.properties.data.items.properties.event_name.description;
  return [...description.matchAll(/^- `([a-z_]+)`$/gm)].map((m) => m[1]!);
}

describe('Conversions API event names', () => {
  it('equal the spec list of ConversionEvents.data[].event_name, name for name and in order', { skip: specFile.skip }, () => {
    const fromSpec = specEventNames(specFile.path!);
    assert.equal(fromSpec.length, 15);
    assert.deepEqual([...EVENT_NAMES], fromSpec);
  });

  it('accepts the names added since (add_payment_info, initiate_checkout, view_content, subscribe, ...) and maps them unchanged', () => {
    for (const name of ['add_payment_info', 'add_to_wishlist', 'app_install', 'initiate_checkout', 'subscribe', 'view_content']) {
      const { accepted, rejected } = prepareConversions([{ event_id: `e-${name}`, event_name: name, event_time: 1_790_000_000, ad_account_id: '1', user: { email: 'a@example.com' } }]);
      assert.deepEqual(rejected, [], name);
      assert.equal(accepted[0]!.record.event_name, name);
      const built = toCapiEvent(storedFromRecord(accepted[0]!.record), new Date(1_790_000_000_000));
      assert.ok(built.kind === 'event' && built.event.event_name === name, name);
    }
  });

  it('still refuses a name Pinterest does not list, naming the field', () => {
    const { accepted, rejected } = prepareConversions([{ event_id: 'e', event_name: 'purchase', event_time: 1_790_000_000, ad_account_id: '1' }]);
    assert.equal(accepted.length, 0);
    assert.deepEqual(rejected.map((r) => r.field), ['event_name']);
  });
});

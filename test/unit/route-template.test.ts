// The route templates Pinterest request spans carry: the OpenAPI path with its parameters named,
// never an id, a query or anything that is not one of Pinterest's own route words.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { routeTemplate } from '../../pinterest/route-template';

it('names the ids of every path this client requests and keeps the route words', () => {
  const cases: Array<[string, string]> = [
    ['/ad_accounts/549764105221/campaigns', '/ad_accounts/{ad_account_id}/campaigns'],
    ['/ad_accounts/549764105221/ad_groups/analytics', '/ad_accounts/{ad_account_id}/ad_groups/analytics'],
    ['/ad_accounts/549764105221/product_groups/analytics', '/ad_accounts/{ad_account_id}/product_groups/analytics'],
    ['/ad_accounts/549764105221/reports/brand_category_sku', '/ad_accounts/{ad_account_id}/reports/brand_category_sku'],
    ['/ad_accounts/549764105221/msot/events', '/ad_accounts/{ad_account_id}/msot/events'],
    ['/ad_accounts/549764105221/events', '/ad_accounts/{ad_account_id}/events'],
    ['/pins/987654321012345603', '/pins/{pin_id}'],
    ['/oauth/token', '/oauth/token'],
    ['/user_account', '/user_account'],
  ];
  for (const [path, template] of cases) assert.equal(routeTemplate(path), template, path);
});

it('drops a query and replaces any segment that is not a route word', () => {
  assert.equal(routeTemplate('/ad_accounts/1/campaigns?bookmark=abc&ad_ids=2'), '/ad_accounts/{ad_account_id}/campaigns');
  assert.equal(routeTemplate('/user_account/someone@example.com/x'), '/user_account/{id}/x');
  assert.equal(routeTemplate('/ad_accounts/pina_AEAAA.token/events'), '/ad_accounts/{ad_account_id}/events');
});

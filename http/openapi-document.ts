import { z } from 'zod';
import { exchangeRatesBodySchema } from '../domain/exchange-rates';
import { connectLinkRequestSchema } from './connect-link';
import { conversionInputSchema, touchpointInputSchema } from '../domain/routy-records';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

const rejection = {
  type: 'object',
  required: ['index', 'field', 'message'],
  properties: { index: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } },
};
const batchResult = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Records committed to PostgreSQL now.' },
    rejected: { type: 'array', items: { $ref: '#/components/schemas/Rejection' } },
    duplicates: {
      type: 'array',
      description: 'Conversions only: an event_id the ad account already received (stored, waiting, or earlier in the batch); not stored again, nothing stored changed.',
      items: {
        type: 'object',
        required: ['index', 'event_id', 'differing_fields', 'message'],
        properties: { index: { type: 'integer' }, event_id: { type: 'string' }, differing_fields: { type: 'array', items: { type: 'string' }, description: 'Fields whose value differs from the copy received first (ignored).' }, message: { type: 'string' } },
      },
    },
    warnings: { type: 'array', description: 'Conversions only: accepted records Routy should look at (a checkout without order_id).', items: { $ref: '#/components/schemas/Rejection' } },
  },
};
const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** A JSON response of the shared `Error` shape. */
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** Query parameters given as plain strings (their rules are in the zod schemas and named in 400 answers). */
const queryParameters = (names: string[], required: string[]) =>
  names.map((name) => ({ name, in: 'query', required: required.includes(name), schema: { type: 'string' } }));

const batchOperation = (key: 'conversions' | 'touchpoints', schemaName: string, summary: string) => ({
  summary,
  security: [{ bearer: [] }, { hmac: [] }],
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          additionalProperties: false,
          required: [key],
          properties: { [key]: { type: 'array', minItems: 1, maxItems: 5000, items: { $ref: `#/components/schemas/${schemaName}` } } },
        },
      },
    },
  },
  responses: {
    '202': { description: 'At least one record accepted (or, for conversions, answered as a repeat of an event_id already received); accepted records are committed to PostgreSQL, where their ad account workflow takes them from.', content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchResult' } } } },
    '400': { description: 'No record accepted and none a repeat, or a bad envelope.', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/BatchResult' }, { $ref: '#/components/schemas/Error' }] } } } },
    '401': errorResponse('Missing or wrong bearer token or signature.'),
    '413': errorResponse('Body over 10 MB.'),
    '415': errorResponse('Body not sent as application/json.'),
  },
});

/**
 * The ingress's OpenAPI 3.1 description, its record schemas generated from the same zod schemas
 * that validate requests (so the two cannot drift). Served at `GET /openapi.json`.
 */
export function buildOpenApiDocument(): Record<string, unknown> {
  const { $schema: _c, ...conversion } = json(conversionInputSchema) as Record<string, unknown>;
  const { $schema: _t, ...touchpoint } = json(touchpointInputSchema) as Record<string, unknown>;
  const { $schema: _r, ...exchangeRates } = json(exchangeRatesBodySchema) as Record<string, unknown>;
  const { $schema: _l, ...connectLinkRequest } = json(connectLinkRequestSchema) as Record<string, unknown>;
  return {
    openapi: '3.1.0',
    info: { title: 'routy-pinterest ingress', version: '1', description: "Routy's conversions and touchpoints for the Pinterest Ads integration." },
    paths: {
      '/v1/conversions': { post: batchOperation('conversions', 'Conversion', 'Record a batch of conversions') },
      '/v1/touchpoints': { post: batchOperation('touchpoints', 'Touchpoint', 'Record a batch of Pinterest touchpoints') },
      '/v1/conversions/{event_id}': {
        get: {
          summary: 'Explain one conversion: state, attribution, Conversions API outcome and every request attempt',
          security: [{ bearer: [] }],
          parameters: [{ name: 'event_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description:
                '`{conversions: [...]}`: the conversion in each ad account that has it (and any refusals at the ingress). ' +
                '`state` is `pending`, `matched`, `expired` or `duplicate` (same ad account, event_name and order_id as `duplicate_of`: not counted, not sent). ' +
                '`conversions_api` holds `state` (`unsent`, `sending`, `posting`, `sent`, `failed`, `stale`, `not_sendable`, `duplicate`, ' +
                '`unconfirmed`: the outcome stayed unknown and it was not posted again), `detail`, `attempted_at` and `attempts[]`: ' +
                'one per request that carried it, `{attempt, request_id, request_events, repost, started_at, ended_at (null: no answer stored), ' +
                'outcome (null, processed, failed, refused, retry, unknown), http_status, error, event_status, error_message, warning_message}`. ' +
                'For an account opted in to Measurement Source of Truth events, `msot` holds `state` (`pending`, `posting`, `posted`, `failed`, ' +
                '`refused`: the grant lacks scope `msot:write`, `unconfirmed`, `not_postable`), `reason`, `event` (the body posted) and `attempts[]` ' +
                '`{attempt, started_at, ended_at, http_status, outcome (posted, failed, refused, retry, unknown), error}`.',
            },
            '404': { description: 'Never accepted.' },
          },
        },
      },
      '/v1/ad_accounts/{ad_account_id}/conversions-api': {
        put: {
          summary: "Set the account's Conversions API test mode and conversion token (null goes back to the OAuth token; the token is never echoed)",
          security: [{ bearer: [] }],
          parameters: [{ name: 'ad_account_id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { test_mode: { type: 'boolean' }, conversion_token: { type: ['string', 'null'], minLength: 10, maxLength: 4096 } },
                },
              },
            },
          },
          responses: {
            '200': { description: '`{ad_account_id, test_mode, conversion_token: "set" | "not set"}`' },
            '400': errorResponse('A field is wrong.'),
            '404': { description: 'The account is not connected.' },
          },
        },
      },
      '/v1/reports/performance': {
        get: {
          summary: 'Cost per conversion by campaign, ad group or pin under a window, beside a second one; JSON, or CSV with format=csv',
          security: [{ bearer: [] }],
          parameters: queryParameters(['level', 'start_date', 'end_date', 'window', 'compare', 'ad_account_id', 'performance_plus', 'format'], ['start_date', 'end_date']),
          responses: {
            '200': {
              description:
                '`{request, rows}` or CSV. A row per entity (`synced: false`: conversions credited to an ad, pin, campaign or ad group not synced yet, named "ad <id>, not synced yet"); ' +
                '`spend` null without pulled metrics, and then `cost_per_conversion` and `roas` null too; `routy` and `compare` each with `revenue` in the account currency ' +
                '(same-currency plus converted values), `converted: [{currency, rate_date, rate, conversions, revenue, converted_revenue}]` and `unconverted: [{currency, conversions, revenue}]` (no usable rate: never in revenue or ROAS); ' +
                '`extra_columns` (and one CSV column each) when the account added sync-analytics columns at this level: sums of counts and micro-currency amounts, the latest value of rates and names; ' +
                '`objective_type` and `is_performance_plus` of the row\'s campaign (`performance_plus=true|false` keeps only rows whose campaign is, or is not, Performance+); ' +
                '`reconciliation: {difference, routy_only: {engagement, not_sendable, stale, not_yet_sent}, pinterest_only: {held_pending, expired, view_through}, unexplained, engagement_note}`: ' +
                'difference = sum(routy_only) - sum(pinterest_only) + unexplained (README "Reconciliation").',
            },
            '400': errorResponse('A parameter is wrong.'),
          },
        },
      },
      '/v1/reports/slow-burn': {
        get: {
          summary: 'Cumulative share of attributed conversions by lag day per campaign or pin, and the share after day 7; JSON, or CSV with format=csv',
          security: [{ bearer: [] }],
          parameters: queryParameters(['level', 'start_date', 'end_date', 'window', 'ad_account_id', 'format'], ['start_date', 'end_date']),
          responses: { '200': { description: '`{request, rows}` or CSV' }, '400': errorResponse('A parameter is wrong.') },
        },
      },
      '/v1/alerts': {
        get: {
          summary: 'CPA alerts: pins (ads) and campaigns whose 30-day and 7-day costs per conversion lie on different sides of their target (setCpaTargets), newest first',
          security: [{ bearer: [] }],
          parameters: queryParameters(['ad_account_id', 'include_cleared', 'limit'], []),
          responses: {
            '200': {
              description:
                '`{request, alerts}`: each `{alert_id, ad_account_id, level (campaign, pin), entity_id (campaign id, or ad id), name, pin_id, direction (pays_back_long, misses_long), currency, target, cpa_30d, cpa_7d, spend, conversions_30d, conversions_7d, start_date, end_date, first_seen_at, last_seen_at, cleared_at, delivered_at}`; ' +
                'money in units of `currency` (the account\'s), costs per conversion null without conversions in that window; open alerts only unless `include_cleared=true`; `limit` 1 to 500 (100).',
            },
            '400': errorResponse('A parameter is wrong.'),
          },
        },
      },
      '/v1/reports/products': {
        get: {
          summary: "Routy's product attribution per SKU: conversions, units, revenue and cost share under a window beside 7 days (or compare), the pins that drove them, Pinterest's product figures; JSON, or CSV with format=csv",
          security: [{ bearer: [] }],
          parameters: queryParameters(['start_date', 'end_date', 'window', 'compare', 'ad_account_id', 'format'], ['start_date', 'end_date']),
          responses: {
            '200': {
              description:
                '`{request, rows}` or CSV. A row per ad account, SKU and conversion currency (`currency`, null: none given; money never summed across currencies); ' +
                '`routy` and `compare` each `{window_days, conversions, units, revenue, unpriced_conversions, cost_share}`: `revenue` in `currency` units (item_price × quantity; null when no price was given), ' +
                "`cost_share` in `account_currency` units (the SKU's share of its pins' spend in proportion to its share of their product revenue; null when unknown); " +
                '`pins: [{id, pin_id, name, synced, conversions, units, revenue, cost_share}]`; `pinterest_conversions` and `pinterest_conversion_value_micro` (account currency) null until Pinterest product figures are pulled.',
            },
            '400': errorResponse('A parameter is wrong.'),
          },
        },
      },
      '/v1/exchange-rates': {
        put: {
          summary: 'Upsert dated exchange rates (all or none): on `date`, 1 `from` is worth `rate` `to`; reports convert a conversion value with the rate dated on its conversion date, else the latest before it',
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ExchangeRates' } } } },
          responses: {
            '200': { description: '`{stored}`: how many rates were written (a rate for the same date, from and to is replaced)' },
            '400': errorResponse('A rate is wrong: `issues[].field` names it, e.g. `rates.3.rate`.'),
            '401': errorResponse('Missing or wrong bearer token.'),
          },
        },
        get: {
          summary: 'Stored exchange rates, ordered by from, to and date',
          security: [{ bearer: [] }],
          parameters: queryParameters(['from', 'to', 'start_date', 'end_date'], []),
          responses: { '200': { description: '`{rates: [{date, from, to, rate}]}`' }, '400': errorResponse('A parameter is wrong.') },
        },
      },
      '/reports': { get: { summary: 'The report page (HTML): cost per conversion by window and the slow-burn curve, drawn with Chart.js from the routes above', responses: { '200': { description: 'HTML' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/v1/connect-links': {
        post: {
          summary: 'A signed, expiring link that connects ad accounts to one Routy advertiser (README "Connecting an ad account")',
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: connectLinkRequest } } },
          responses: { '201': { description: '`{url, expires_at}`' }, '400': errorResponse('A field is wrong.'), '401': errorResponse('Missing or wrong bearer token.') },
        },
      },
      '/v1/oauth/start': { get: { summary: "`?link=` a connect link: redirect to Pinterest's consent page with the flow's cookie", responses: { '302': { description: 'Redirect' }, '400': errorResponse('No link, or a malformed one.'), '401': errorResponse('Bad signature, or expired.') } } },
      '/v1/oauth/callback': { get: { summary: "Pinterest's redirect back (with the flow's cookie): stores the grant and connects the ad accounts", responses: { '200': { description: 'Connected' }, '400': errorResponse('Refused state or code.'), '403': errorResponse('Another browser, or an account of another Routy advertiser.') } } },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'OK' } } } },
    },
    components: {
      schemas: { Conversion: conversion, Touchpoint: touchpoint, ExchangeRates: exchangeRates, Rejection: rejection, BatchResult: batchResult, Error: error },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'ROUTY_INGRESS_TOKEN' },
        hmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Routy-Signature',
          description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with ROUTY_INGRESS_TOKEN>`; t within 5 minutes.',
        },
      },
    },
  };
}

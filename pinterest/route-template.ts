// The route template of a Pinterest API path, for traces: the OpenAPI path with its parameters
// named, never the concrete ids.

/** Path segments that are followed by an id, and the name of that id's parameter (Pinterest's OpenAPI names). */
const ID_AFTER: ReadonlyMap<string, string> = new Map([
  ['ad_accounts', '{ad_account_id}'],
  ['pins', '{pin_id}'],
  ['boards', '{board_id}'],
  ['campaigns', '{campaign_id}'],
  ['ad_groups', '{ad_group_id}'],
  ['ads', '{ad_id}'],
  ['catalogs', '{catalog_id}'],
  ['product_groups', '{product_group_id}'],
]);

/** Words that follow a collection as a route of its own, not as an id (`/ad_accounts/{ad_account_id}/product_groups/analytics`). */
const SUB_ROUTES: ReadonlySet<string> = new Set(['analytics']);

/** A segment that is part of Pinterest's own route (lower-case words), not a value. */
const LITERAL = /^[a-z][a-z_]*$/;

/**
 * `/ad_accounts/549755885175/campaigns` → `/ad_accounts/{ad_account_id}/campaigns`: a segment after
 * one of ID_AFTER's collections is that collection's id parameter (unless a SUB_ROUTES word), and
 * any other segment that is not a lower-case word becomes `{id}`, so no value (id, token, e-mail)
 * is ever kept. The query string, if any, is dropped.
 */
export function routeTemplate(path: string): string {
  const segments = path.split('?')[0]!.split('/');
  return segments
    .map((segment, i) => {
      if (segment === '') return segment;
      const idName = i > 0 ? ID_AFTER.get(segments[i - 1]!) : undefined;
      if (idName !== undefined && !SUB_ROUTES.has(segment)) return idName;
      return LITERAL.test(segment) ? segment : '{id}';
    })
    .join('/');
}

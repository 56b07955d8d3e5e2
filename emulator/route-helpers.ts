import type { FastifyReply } from 'fastify';
import type { SeedData } from './seed';

/**
 * Answers with Pinterest's error body `{ code, message }` (components.schemas.Error).
 * @returns the reply, already sent, so a handler can `return` it.
 */
export const sendError = (reply: FastifyReply, status: number, code: number, message: string) =>
  reply.code(status).send({ code, message });

/** A query or body value as a list: repeated parameters and comma-separated values both count. */
export const asArray = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);

/**
 * One page of `items` as Pinterest's list endpoints answer it: `page_size` 1 to 250 (default 25),
 * `bookmark` an opaque cursor (here the base64url start index), null on the last page.
 */
export function page<T>(items: T[], query: Record<string, unknown>): { items: T[]; bookmark: string | null } {
  const size = Math.min(Math.max(Number(query.page_size ?? 25) || 25, 1), 250);
  const start = query.bookmark ? Number(Buffer.from(String(query.bookmark), 'base64url').toString()) || 0 : 0;
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : null;
  return { items: slice, bookmark: next };
}

/** The items whose status is in `entity_statuses` (Pinterest's default: ACTIVE and PAUSED). */
export function filterStatuses<T extends { status: string }>(items: T[], query: Record<string, unknown>): T[] {
  const statuses = asArray(query.entity_statuses);
  const allowed = statuses.length ? statuses : ['ACTIVE', 'PAUSED'];
  return items.filter((item) => allowed.includes(item.status));
}

/** Whether the seed holds ad account `id`; otherwise answers 403 (Pinterest code 29). */
export function knownAccount(seed: SeedData, id: string, reply: FastifyReply): boolean {
  if (seed.adAccounts.some((a) => a.id === id)) return true;
  sendError(reply, 403, 29, `Ad account ${id} is not accessible with this token.`);
  return false;
}

/**
 * The items whose `id` is in the query's `key` list (`ad_ids`, `ad_group_ids`, `campaign_ids`), or
 * whose `by` field is, as Pinterest's list endpoints filter; all items when the query has none.
 * @returns undefined when the list breaks the spec (more than 250 ids, or an id not all digits): the caller answers 400.
 */
export function filterIds<T>(items: T[], query: Record<string, unknown>, key: string, idOf: (item: T) => string): T[] | undefined {
  if (query[key] === undefined) return items;
  const ids = asArray(query[key]);
  if (ids.length === 0 || ids.length > 250 || !ids.every((id) => /^\d+$/.test(id))) return undefined;
  const wanted = new Set(ids);
  return items.filter((item) => wanted.has(idOf(item)));
}

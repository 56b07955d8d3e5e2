import { z } from 'zod';
import type { PinterestHttp } from './http';

const userAccountSchema = z.object({ id: z.string().min(1).optional(), username: z.string().optional() }).passthrough();

/** The token's user (components.schemas.Account): `id` and `username`, both optional in the spec. */
export type UserAccount = z.infer<typeof userAccountSchema>;

/**
 * The user the access token belongs to, whose per-minute rate budgets its requests spend.
 * `GET /v5/user_account` (`user_account/get`, category `org_read`, scope `user_accounts:read`).
 * @throws PinterestApiError on a non-2xx answer (403: the token may not read its user).
 */
export function getUserAccount(http: PinterestHttp, accessToken: string): Promise<UserAccount> {
  return http.request({ method: 'GET', path: '/user_account', category: 'org_read', accessToken, schema: userAccountSchema });
}

/**
 * Whose Pinterest budget a grant's requests spend: its user's (`user:<id>`) when the connection
 * recorded it, else the grant's own (`grant:<connection_id>`, connections made before users were
 * recorded). Never a token: a refreshed token keeps the budget.
 */
export function budgetOwner(connection: { connection_id: string; pinterest_user_id: string | null }): string {
  return connection.pinterest_user_id ? userBudgetOwner(connection.pinterest_user_id) : `grant:${connection.connection_id}`;
}

/** The budget owner of a Pinterest user's requests: `user:<id>` (as `budgetOwner` names it). */
export function userBudgetOwner(pinterestUserId: string): string {
  return `user:${pinterestUserId}`;
}

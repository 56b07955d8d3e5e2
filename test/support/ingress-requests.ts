import type { RunningApp } from '../../service/app';

/** The bearer header the app's ingress takes (`ROUTY_INGRESS_TOKEN`). */
const bearer = (app: RunningApp) => ({ authorization: `Bearer ${app.ingressToken}` });

/**
 * POSTs `body` as JSON to the app's ingress at `path`, with its bearer token.
 * @returns the HTTP status and the parsed JSON answer.
 */
export async function postJson(app: RunningApp, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${app.ingressUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(app) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** GETs `path` (with its query) from the app's ingress with its bearer token. */
export function getWithToken(app: RunningApp, path: string): Promise<Response> {
  return fetch(`${app.ingressUrl}${path}`, { headers: bearer(app) });
}

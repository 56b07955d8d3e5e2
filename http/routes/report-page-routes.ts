import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

const pageDir = fileURLToPath(new URL('../report-page/', import.meta.url));
// Chart.js's browser build, served from the installed package (no CDN: the page works offline).
const chartDir = path.dirname(createRequire(import.meta.url).resolve('chart.js'));

/** Scripts, styles and data only from this origin; the page cannot be framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const secure = (reply: { header: FastifyReply['header'] } | { setHeader(name: string, value: string): void }) => {
  const set = 'header' in reply ? reply.header.bind(reply) : reply.setHeader.bind(reply);
  set('content-security-policy', CONTENT_SECURITY_POLICY);
  set('x-content-type-options', 'nosniff');
  set('referrer-policy', 'no-referrer');
};

/**
 * The report page: `GET /reports` (tables and Chart.js charts of cost per conversion by window
 * and the slow-burn curve), its assets under `/reports/assets/` and Chart.js under
 * `/reports/vendor/`. The page holds no data: it reads `/v1/reports/*` with the API token the
 * user gives it, so it needs no authentication of its own.
 */
export async function reportPageRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: pageDir, prefix: '/reports/assets/', index: false, setHeaders: (res) => secure(res) });
  app.get('/reports', async (_request, reply) => {
    secure(reply);
    return reply.sendFile('index.html', pageDir);
  });
  app.get('/reports/vendor/chart.umd.min.js', async (_request, reply) => {
    secure(reply);
    return reply.sendFile('chart.umd.min.js', chartDir);
  });
}

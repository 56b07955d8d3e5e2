// docker-compose.yml is safe by default: secrets come from the environment (compose refuses to
// start without them), only the ingress is published, the Temporal UI on loopback only. The roles
// run apart from the Dockerfile's image (compiled code, non-root): 2 workers and the ingress, each
// given exactly the variables its role reads.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parse } from 'yaml';
import { ingressConfigSchema, workerConfigSchema } from '../../service/role-config';
import { workerGraceSeconds } from '../../service/worker-role';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  environment?: Record<string, string>;
}
const file = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
const compose = parse(file('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;
const required = /^\$\{\w+:\?[^}]+\}$/;

it('publishes only the ingress, and the Temporal UI on 127.0.0.1', () => {
  const published = Object.entries(services).filter(([, service]) => service.ports !== undefined);
  assert.deepEqual(Object.fromEntries(published.map(([name, service]) => [name, service.ports])), {
    'temporal-ui': ['127.0.0.1:8233:8080'],
    ingress: ['8080:8080'],
  });
  for (const name of ['postgres', 'temporal', 'worker']) assert.equal(services[name]!.ports, undefined, `${name} publishes a port`);
});

it('takes the token, the keys, the database password and the Pinterest app from the environment, required', () => {
  for (const role of ['worker', 'ingress']) {
    const env = services[role]!.environment!;
    assert.match(env.ROUTY_ENCRYPTION_KEYS!, required, role);
    assert.match(env.PINTEREST_APP_SECRET!, required, role);
    assert.match(env.DATABASE_URL!, /\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//, role);
  }
  assert.match(services.ingress!.environment!.ROUTY_INGRESS_TOKEN!, required);
  assert.match(services.postgres!.environment!.POSTGRES_PASSWORD!, required);
  assert.match(services.temporal!.environment!.POSTGRES_PWD!, required);
  // No literal secret anywhere: every password-, token-, key- or secret-like value is a required variable.
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/PASSWORD|PWD|TOKEN|KEYS|SECRET/.test(key)) assert.match(String(value), required, `${name}.${key}`);
    }
  }
});

/** The variables a role's schema requires: those an empty environment is refused for. */
const requiredBy = (schema: typeof workerConfigSchema | typeof ingressConfigSchema) => schema.safeParse({}).error!.issues.map((issue) => String(issue.path[0])).sort();

it('runs the worker (2 copies) and the ingress apart, compiled, each with exactly the variables its role reads', () => {
  const roles = { worker: { schema: workerConfigSchema, entry: 'start-worker' }, ingress: { schema: ingressConfigSchema, entry: 'start-ingress' } };
  for (const [role, { schema, entry }] of Object.entries(roles)) {
    const service = services[role]!;
    assert.equal(service.build, '.', role);
    assert.deepEqual(service.command, ['node', `dist/service/${entry}.js`], role);
    assert.ok(existsSync(new URL(`../../service/${entry}.ts`, import.meta.url)), `service/${entry}.ts compiles to the command's file`);
    assert.equal(service.volumes, undefined, `${role} mounts the source`);
    const keys = Object.keys(service.environment!);
    for (const key of keys) assert.ok(key in schema.shape, `${role}.${key} is not read by the ${role}`);
    assert.deepEqual(requiredBy(schema).filter((key) => !keys.includes(key)), [], `${role} lacks a required variable`);
  }
  assert.deepEqual(requiredBy(workerConfigSchema), ['DATABASE_URL', 'PINTEREST_APP_ID', 'PINTEREST_APP_SECRET', 'ROUTY_ENCRYPTION_KEYS', 'TEMPORAL_ADDRESS']);
  assert.equal(services.worker!.deploy?.replicas, 2);
  assert.equal(services.ingress!.environment!.ROUTY_HTTP_HOST, '0.0.0.0');
  // A stopping worker gets its grace time (request timeout + 10 s), not compose's 10 s default.
  const grace = Number(/^(\d+)s$/.exec(services.worker!.stop_grace_period ?? '')?.[1]);
  assert.ok(grace >= workerGraceSeconds({ PINTEREST_REQUEST_TIMEOUT_SECONDS: 60 }), `stop_grace_period ${services.worker!.stop_grace_period}`);
});

it('the Dockerfile builds in one stage and runs the compiled code as a non-root user in another', () => {
  const lines = file('Dockerfile').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const stages = lines.map((line, i) => [line, i] as const).filter(([line]) => /^FROM /.test(line)).map(([, i]) => i);
  assert.equal(stages.length, 2);
  const build = lines.slice(stages[0], stages[1]);
  const run = lines.slice(stages[1]);
  assert.ok(build.some((line) => /^RUN npm ci\b/.test(line)) && build.some((line) => /^RUN npm run build\b/.test(line)), 'the build stage installs and runs npm run build');
  assert.ok(run.some((line) => line === 'COPY --from=build /app/dist ./dist'), 'the run stage takes dist/ from the build');
  assert.ok(!run.some((line) => /^COPY (?!--from=build)/.test(line)), 'the run stage copies nothing but the build stage output');
  const users = run.filter((line) => /^USER /.test(line));
  assert.deepEqual(users, ['USER node']);
  assert.match(run.find((line) => /^CMD /.test(line))!, /^CMD \["node", "dist\/service\/start-worker\.js"\]$/);
  assert.match(file('.dockerignore'), /^node_modules$/m);
  assert.match(file('.gitignore'), /^dist\/$/m);
});

// docker-compose.yml is safe by default: secrets come from the environment (compose refuses to
// start without them), only the ingress is published, the Temporal UI on loopback only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parse } from 'yaml';

interface Service {
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

it('publishes only the ingress, and the Temporal UI on 127.0.0.1', () => {
  const published = Object.entries(services).filter(([, service]) => service.ports !== undefined);
  assert.deepEqual(Object.fromEntries(published.map(([name, service]) => [name, service.ports])), {
    'temporal-ui': ['127.0.0.1:8233:8080'],
    'routy-pinterest': ['8080:8080'],
  });
  for (const name of ['postgres', 'temporal']) assert.equal(services[name]!.ports, undefined, `${name} publishes a port`);
});

it('takes the token, the keys and the database password from the environment, required', () => {
  const routy = services['routy-pinterest']!.environment!;
  assert.match(routy.ROUTY_INGRESS_TOKEN!, /^\$\{ROUTY_INGRESS_TOKEN:\?[^}]+\}$/);
  assert.match(routy.ROUTY_ENCRYPTION_KEYS!, /^\$\{ROUTY_ENCRYPTION_KEYS:\?[^}]+\}$/);
  assert.match(routy.DATABASE_URL!, /\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//);
  assert.match(services.postgres!.environment!.POSTGRES_PASSWORD!, /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
  assert.match(services.temporal!.environment!.POSTGRES_PWD!, /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
  // No literal secret anywhere: every password-, token- or key-like value is a required variable.
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/PASSWORD|PWD|TOKEN|KEYS|SECRET/.test(key) && !/^PINTEREST_/.test(key)) assert.match(String(value), /^\$\{\w+:\?/, `${name}.${key}`);
    }
  }
});

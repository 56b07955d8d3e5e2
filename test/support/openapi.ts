import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import type { RecordedExchange } from '../../emulator/pinterest-emulator';

type Json = Record<string, any>;

/**
 * Ajv supports OpenAPI's `nullable` only beside `type`; a few spec schemas (allOf wrappers) have it
 * alone. Also turns OpenAPI 3.0's boolean exclusive bounds into JSON Schema's.
 */
function dropTypelessNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropTypelessNullable);
  if (!node || typeof node !== 'object') return;
  const object = node as Json;
  if ('nullable' in object && !('type' in object)) delete object.nullable;
  // OpenAPI 3.0's boolean `exclusiveMinimum` / `exclusiveMaximum` (ConversionMSOTEvents.attribution_score)
  // as JSON Schema's numbers, which Ajv reads.
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof object[flag] !== 'boolean') continue;
    if (object[flag] && typeof object[bound] === 'number') {
      object[flag] = object[bound];
      delete object[bound];
    } else delete object[flag];
  }
  for (const value of Object.values(object)) dropTypelessNullable(value);
}

/**
 * Checks recorded emulator exchanges against Pinterest's OpenAPI description: the request's
 * query parameters (types, enums, item limits, required ones), JSON or form body, and the
 * response body for its status.
 */
export class OpenApiChecker {
  private readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath: string) {
    this.spec = YAML.parse(readFileSync(specPath, 'utf8'));
    dropTypelessNullable(this.spec);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema(this.spec, 'spec');
  }

  private validator(pointer: string[]): ValidateFunction {
    const ref = `spec#/${pointer.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, fn);
    }
    return fn;
  }

  private resolve(node: Json): Json {
    if (!node.$ref) return node;
    return (node.$ref as string)
      .slice(2)
      .split('/')
      .reduce((o: Json, key) => o[key.replace(/~1/g, '/')], this.spec);
  }

  /** Every problem found in one exchange, as readable lines; empty when it conforms. */
  check(exchange: RecordedExchange): string[] {
    const method = exchange.method.toLowerCase();
    const operation = this.spec.paths[exchange.route]?.[method];
    const where = `${exchange.method} ${exchange.route}`;
    if (!operation) return [`${where}: no such operation in the spec`];
    const problems: string[] = [];
    const format = (fn: ValidateFunction) => this.ajv.errorsText(fn.errors, { separator: '; ' });

    (operation.parameters ?? []).forEach((raw: Json, index: number) => {
      const param = this.resolve(raw);
      if (param.in !== 'query') return;
      let value = exchange.query[param.name];
      if (value === undefined) {
        if (param.required) problems.push(`${where}: required query parameter ${param.name} missing`);
        return;
      }
      const schema = this.resolve(param.schema);
      if (schema.type === 'array') {
        const items = (Array.isArray(value) ? value : [value]).map(String);
        value = param.explode === false ? items.flatMap((v: string) => v.split(',')) : items;
      } else if (schema.type === 'integer' || schema.type === 'number') {
        value = Number(value);
      } else if (schema.type === 'boolean') {
        value = value === 'true' ? true : value === 'false' ? false : value;
      }
      const pointer = raw.$ref
        ? [...(raw.$ref as string).slice(2).split('/').map((k) => k.replace(/~1/g, '/')), 'schema']
        : ['paths', exchange.route, method, 'parameters', String(index), 'schema'];
      const fn = this.validator(pointer);
      if (!fn(value)) problems.push(`${where}: query ${param.name}=${JSON.stringify(value)}: ${format(fn)}`);
    });

    const content = operation.requestBody?.content;
    if (content && exchange.body !== undefined) {
      const type = Object.keys(content)[0]!;
      const fn = this.validator(['paths', exchange.route, method, 'requestBody', 'content', type, 'schema']);
      if (!fn(exchange.body)) problems.push(`${where}: request body: ${format(fn)}`);
    }

    const status = String(exchange.status);
    const response = operation.responses[status] ?? operation.responses.default;
    const responseType = response?.content && Object.keys(response.content)[0];
    if (!response) problems.push(`${where}: status ${status} is not described`);
    else if (responseType) {
      const key = operation.responses[status] ? status : 'default';
      const fn = this.validator(['paths', exchange.route, method, 'responses', key, 'content', responseType, 'schema']);
      if (!fn(exchange.response)) problems.push(`${where}: response ${status}: ${format(fn)}`);
    }
    return problems;
  }
}

import * as fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';

/** One operation of the OpenAPI document served by the app under test. */
export interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  /** The JSON body schema ($refs resolved one level), when the operation takes one. */
  body?: Schema;
  secured: boolean;
}

export interface Schema {
  type?: string;
  enum?: unknown[];
  example?: unknown;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  items?: Schema;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema?: Schema }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: unknown[];
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

/** Every operation of the document, with $refs resolved against its components. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? doc.components?.schemas?.[s.$ref.split('/').pop() as string] : s;
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const params = op.parameters ?? [];
      const json = op.requestBody?.content['application/json'] ?? Object.values(op.requestBody?.content ?? {})[0];
      const body = resolve(json?.schema);
      return {
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: body
          ? {
              ...body,
              properties: Object.fromEntries(
                Object.entries(body.properties ?? {}).map(([k, v]) => [k, resolve(v) ?? {}]),
              ),
            }
          : undefined,
        secured: (op.security ?? []).length > 0,
      };
    }),
  );
}

/** A request as sent on the wire: the path and query exactly as given (already encoded, or deliberately not). */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001',
  '\u001b[31mred',
  '\u007f',
  '\t\r\n',
  '\ud800',
  '\udfff',
  '\uffff',
  '\ufeff',
  '😀',
  'é',
  'Ω≈ç√',
  'İ',
  '../../etc/passwd',
  '%00',
  '%',
  '{}',
  '[]',
  'null',
  'true',
  '1e309',
  '-0',
  '0x10',
  "' OR 1=1 --",
  '"; DROP TABLE x; --',
  '<script>',
  '__proto__',
  'constructor',
  'prototype',
  'cus_',
  'x'.repeat(10_000),
  '٣',
  'NaN',
  'Infinity',
  '2026-02-30T25:61:00Z',
  '9'.repeat(400),
];

/** Strings a careless or hostile client sends: control characters, lone surrogates, huge, unicode, look-alikes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

/** Nested below the parser's depth limit, so that the DTO layer sees it. */
const nestedArray = JSON.parse('['.repeat(20) + ']'.repeat(20)) as unknown;
const nestedObject = JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) as unknown;

/** JSON values of the wrong kind for any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0,
    1e308,
    -1e308,
    2 ** 53 + 1,
    Number.MAX_SAFE_INTEGER,
    [],
    {},
    [null],
    { $gt: '' },
    nestedArray,
    nestedObject,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 60 }),
);

function validValue(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const example = schema.example !== undefined ? [fc.constant(schema.example)] : [];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return fc.oneof(...example, fc.integer({ min: 1, max: 100_000 }));
    case 'boolean':
      return fc.boolean();
    case 'object':
      return fc.oneof(
        ...example,
        fc.constant({}),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
      );
    case 'array':
      return fc.constant([]);
    default:
      return fc.oneof(
        ...example,
        fc.constantFrom('2027-01-31T00:00:00Z', 'US', 'USD', 'kim@example.com', '+14155550100'),
        fc.string({ minLength: 1, maxLength: 20 }),
      );
  }
}

/** `arb` one time in `every`, null otherwise (fc.option's freq is the other way round). */
function sometimes<T>(arb: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

/** A value that passes validation as often as the document lets us guess one: real ids, enums, examples. */
function likelyValid(schema: Schema, name: string, ids: string[]): fc.Arbitrary<unknown> {
  return /id$/i.test(name) && ids.length ? fc.oneof(fc.constantFrom(...ids), validValue(schema)) : validValue(schema);
}

/** The documented value (enum, example, a real id), or nothing for an optional field without one. */
function documented(schema: Schema, name: string, required: boolean, ids: string[]): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (/id$/i.test(name) && ids.length) return fc.constantFrom(...ids);
  if (schema.example !== undefined) return fc.constant(schema.example);
  if (!required) return fc.constant(undefined);
  return validValue(schema);
}

/**
 * A body shaped by the schema: either every field drawn at random (valid, hostile, null or absent), or every field
 * as documented (enum, example, real id) with or without one of them mutated: those get past validation and into the
 * services.
 */
function bodyFor(schema: Schema | undefined, ids: string[]): fc.Arbitrary<unknown> {
  const props = Object.entries(schema?.properties ?? {});
  if (props.length === 0) return fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 3 }));
  const anyOf = (s: Schema, name: string) =>
    fc.oneof(
      { weight: 4, arbitrary: likelyValid(s, name, ids) },
      { weight: 2, arbitrary: hostileValue },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  const random = fc.tuple(...props.map(([name, s]) => anyOf(s, name)));
  const asDocumented = fc.tuple(
    ...props.map(([name, s]) => documented(s, name, schema?.required?.includes(name) ?? false, ids)),
  );
  const oneMutated = fc
    .tuple(
      asDocumented,
      fc.nat({ max: props.length - 1 }),
      fc.oneof(hostileValue, fc.constant(null), fc.constant(undefined)),
    )
    .map(([values, at, mutant]) => values.map((v, i) => (i === at ? mutant : v)));
  return fc
    .tuple(fc.oneof(random, oneMutated, asDocumented), sometimes(fc.tuple(hostileString, hostileValue), 4))
    .map(([values, extra]) => {
      const body: Record<string, unknown> = {};
      props.forEach(([name], i) => {
        if (values[i] !== undefined) body[name] = values[i];
      });
      if (extra) body[extra[0]] = extra[1];
      return body;
    });
}

/** A JSON text of the body, or something that is not quite one. */
function rawBody(schema: Schema | undefined, ids: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: bodyFor(schema, ids).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"a":1,}',
        'null',
        '[]',
        '"x"',
        '1',
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{}}}',
        '\u0000',
        '{"a":"\\u0000"}',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 33, max: 6000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)) },
    { weight: 1, arbitrary: fc.integer({ min: 33, max: 6000 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString },
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'a/b/c',
  'application/json;;;',
  'APPLICATION/JSON',
];

/** Percent-encodes what a URL cannot carry, and leaves lone surrogates as the bad escapes they are. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');
  }
}

const RAW_SEGMENTS = [
  '%00',
  '%zz',
  '%',
  '%C0%AF',
  '..',
  '%2e%2e',
  '%E0%A4%A',
  '%ff',
  '%u0000',
  'a'.repeat(150),
  '%20',
  ';',
  '%2F',
  'ü',
];

function pathValue(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: ids.length ? fc.constantFrom(...ids) : fc.constant('x') },
    { weight: 3, arbitrary: hostileString.filter((s) => s.length > 0).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryString(op: Operation, ids: string[]): fc.Arbitrary<string> {
  const declared = op.query.map((q) =>
    fc.option(
      fc
        .oneof(q.name.endsWith('Id') && ids.length ? fc.constantFrom(...ids) : validValue(q.schema), hostileString)
        .map((v) => `${q.name}=${encode(String(v))}`),
      { freq: 3 },
    ),
  );
  const extras = sometimes(
    fc.oneof(
      fc.constantFrom(
        'a[b]=1',
        'x=%00',
        '%zz=1',
        '&&&',
        '=',
        'a=%ff',
        '__proto__[x]=1',
        'constructor=1',
        `${op.query[0]?.name ?? 'q'}=1&${op.query[0]?.name ?? 'q'}=2`,
      ),
      hostileString.map((s) => `${encode(s)}=${encode(s)}`),
    ),
    4,
  );
  return fc
    .tuple(fc.tuple(...declared), extras)
    .map(([parts, extra]) => [...parts, extra].filter((p): p is string => !!p).join('&'));
}

/** Header values the HTTP client can carry (Latin-1 without controls). */
const headerValue = fc.oneof(
  fc.string({ minLength: 1, maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
  fc.constantFrom('a b', 'é', '""', 'x'.repeat(256)),
);

export interface Credentials {
  /** The key the operation needs (admin or merchant), undefined for a public route. */
  good?: string;
  others: string[];
}

/** The request as documented: right key, JSON, documented values and real ids; the baseline the hostile ones vary. */
function cleanRequest(op: Operation, auth: Credentials, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const props = Object.entries(op.body?.properties ?? {});
  const body = fc
    .tuple(...props.map(([name, s]) => documented(s, name, op.body?.required?.includes(name) ?? false, ids)))
    .map((values) =>
      JSON.stringify(
        Object.fromEntries(props.map(([name], i) => [name, values[i]]).filter(([, v]) => v !== undefined)),
      ),
    );
  const query = fc
    .tuple(...op.query.map((q) => fc.option(documented(q.schema, q.name, false, ids))))
    .map((values) =>
      op.query
        .flatMap((q, i) =>
          values[i] === null || values[i] === undefined ? [] : [`${q.name}=${encode(String(values[i]))}`],
        )
        .join('&'),
    );
  const path = fc.tuple(...op.pathParams.map(() => (ids.length ? fc.constantFrom(...ids) : fc.constant('x'))));
  return fc.record({ path, query, body, key: fc.option(fc.uuid()) }).map(({ path: values, query: q, body: b, key }) => {
    const p = op.pathParams.reduce((acc, name, i) => acc.replace(`{${name}}`, values[i]), op.path);
    const headers: Record<string, string> = {};
    if (auth.good) headers.authorization = `Bearer ${auth.good}`;
    if (key) headers['idempotency-key'] = key;
    const withBody = op.body !== undefined || op.method !== 'GET';
    if (withBody) headers['content-type'] = 'application/json';
    return { method: op.method, url: q ? `${p}?${q}` : p, headers, body: withBody ? b : undefined };
  });
}

/** Hostile and careless requests for one operation, with valid credentials most of the time; some clean ones. */
export function requestsFor(op: Operation, auth: Credentials, ids: string[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 5, arbitrary: hostileRequest(op, auth, ids) },
    { weight: 1, arbitrary: cleanRequest(op, auth, ids) },
  );
}

function hostileRequest(op: Operation, auth: Credentials, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const path = fc
    .tuple(...op.pathParams.map(() => pathValue(ids)))
    .map((values) => op.pathParams.reduce((p, name, i) => p.replace(`{${name}}`, values[i]), op.path));
  const authorization = fc.oneof(
    { weight: 10, arbitrary: fc.constant(auth.good) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        'Bearer',
        'Bearer x',
        'Basic YTpi',
        ...auth.others.map((k) => `Bearer ${k}`),
      ),
    },
  );
  const contentType = fc.oneof(
    { weight: 10, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc
    .record({
      path,
      query: queryString(op, ids),
      authorization,
      idempotencyKey: sometimes(headerValue, 3),
      contentType,
      body:
        op.body || op.method !== 'GET'
          ? rawBody(op.body, ids)
          : sometimes(rawBody(undefined, ids), 5).map((b) => b ?? undefined),
    })
    .map(({ path: p, query, authorization: a, idempotencyKey, contentType: ct, body: b }) => {
      let body = b ?? undefined;
      const headers: Record<string, string> = {};
      if (a) headers.authorization = a.startsWith('Bearer') || a.startsWith('Basic') ? a : `Bearer ${a}`;
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      if (body !== undefined && ct) headers['content-type'] = ct;
      if (body !== undefined && ct === 'application/x-www-form-urlencoded')
        body = `imp_uid=${encode(body.slice(0, 50))}&merchant_uid=x&status=paid`;
      return { method: op.method, url: query ? `${p}?${query}` : p, headers, body };
    });
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends the request as is (no URL normalisation, unlike fetch), over a kept-alive connection. */
export function send(base: URL, req: FuzzRequest, timeoutMs = 15_000): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
        },
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

/** What is wrong with a response (a 5xx, or a 4xx without our error body), or undefined. */
export function responseProblem(res: FuzzResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  if (res.status < 400) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return `status ${res.status} with a body that is not JSON`;
  }
  if (body.statusCode !== res.status) return `statusCode ${String(body.statusCode)} != ${res.status}`;
  if (typeof body.code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(body.code)) return `code ${JSON.stringify(body.code)}`;
  if (typeof body.message !== 'string') return 'no message';
  if (typeof body.requestId !== 'string' || body.requestId.length === 0) return 'no requestId';
  if (res.headers['x-request-id'] !== body.requestId) return 'requestId differs from X-Request-Id';
  return undefined;
}

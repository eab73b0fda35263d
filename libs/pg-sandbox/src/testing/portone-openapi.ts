import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Test helper: checks PortOne V1 bodies against PortOne's own OpenAPI (Swagger 2.0, vendored in `./vendor`, see its
 * README), so the sandbox and the client are judged by a source we did not write. Swagger 2.0 is turned into JSON
 * Schema for ajv as follows, each step because of what the published document contains:
 * - every property also accepts `null`: Swagger 2.0 has no `nullable`, and PortOne sends `null` for absent fields
 *   (the paypal_v2 note of `GET /subscribe/customers/{customer_uid}` shows `card_name: null`);
 * - numbers written as strings in `maxLength`/`minLength`/`maximum`/`minimum` (`"maxLength": "32"`) become numbers;
 * - values PortOne lists only in prose (`x-portone-description` lines `- paid : 결제완료`) become an `enum` for the
 *   fields in {@link PROSE_ENUMS}, read from the document itself;
 * - `x-` keywords and other unknown keywords are ignored (`strict: false`);
 * - with `closed` (the default), the `*Annotation` objects (but the envelope, ResponseAnnotation) refuse properties the document does not define, except
 *   those in {@link EXTRA_PROPERTIES}.
 * Error answers (401/404/400) have no schema in the document; they are checked as the ResponseAnnotation envelope
 * with a non-zero `code` and `response: null`, which is also required of any answer whose `code` is not 0.
 */

type Json = Record<string, any>;

/** Where the document lists a field's values in prose only (checked against `x-portone-description`). */
export const PROSE_ENUMS: Readonly<Record<string, readonly string[]>> = {
  PaymentAnnotation: ['status', 'pay_method', 'channel', 'customer_uid_usage', 'card_type'],
  CustomerAnnotation: ['card_type'],
};

/**
 * Properties PortOne sends that the definitions omit. `extension` (the PG's own data, `?extension=true`) is named by
 * the document itself in the `x-portone-per-pg` notes of `GET /payments/{imp_uid}`.
 */
export const EXTRA_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  PaymentAnnotation: ['extension'],
};

const NUMERIC_KEYWORDS = ['maxLength', 'minLength', 'maximum', 'minimum', 'maxItems', 'minItems'];

export const PORTONE_OPENAPI_FILE = resolve(__dirname, 'vendor/portone-v1.openapi.json');

export interface OpenApiOptions {
  /** Refuse properties the `*Annotation` definitions do not define (default true). */
  closed?: boolean;
}

export interface RequestCheckOptions {
  /** Applies the `x-portone-per-pg.<pg>.required` flags of the parameters (e.g. `currency` for paypal_v2). */
  pg?: string;
  /** Path, query or formData: which parameters to check (default formData: the body). */
  in?: 'formData' | 'query' | 'path';
}

/** The PortOne V1 OpenAPI as validators. `errors` arrays are empty when a body conforms. */
export class PortoneOpenApi {
  readonly doc: Json;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(
    doc: Json,
    private readonly options: OpenApiOptions = {},
  ) {
    this.doc = doc;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    const definitions: Json = {};
    for (const [name, def] of Object.entries(doc.definitions as Json))
      definitions[name] = this.definitionSchema(name, def);
    this.ajv.addSchema({ $id: 'portone', definitions });
  }

  /** Reads the vendored document. */
  static load(options: OpenApiOptions = {}): PortoneOpenApi {
    return new PortoneOpenApi(JSON.parse(readFileSync(PORTONE_OPENAPI_FILE, 'utf8')) as Json, options);
  }

  /**
   * The operation for `method` and a path template as the sandbox serves it. The document writes optional path
   * parameters into the template (`/payments/find/{merchant_uid}/{payment_status}`), so a template also matches one
   * whose trailing optional parameters are left out.
   */
  operation(method: string, path: string): { path: string; op: Json } {
    const m = method.toLowerCase();
    for (const [template, item] of Object.entries(this.doc.paths as Json)) {
      const op = (item as Json)[m] as Json | undefined;
      if (!op) continue;
      let candidate = template;
      if (candidate === path) return { path: template, op };
      const optional = new Set(
        ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path' && !p.required).map((p) => `{${p.name}}`),
      );
      let segments = candidate.split('/');
      while (segments.length > 1 && optional.has(segments[segments.length - 1])) {
        segments = segments.slice(0, -1);
        candidate = segments.join('/');
        if (candidate === path) return { path: template, op };
      }
    }
    throw new Error(`PortOne OpenAPI has no operation ${method} ${path}`);
  }

  /** Validates an answer: the status's schema when the document gives one, and the error envelope where it applies. */
  validateResponse(method: string, path: string, httpStatus: number, body: unknown): string[] {
    const { path: template, op } = this.operation(method, path);
    const key = `res ${method} ${template} ${httpStatus}`;
    const errors: string[] = [];
    const schema = (op.responses as Json)[String(httpStatus)]?.schema as Json | undefined;
    if (schema) errors.push(...this.run(key, () => this.responseSchema(schema), body));
    const code = (body as Json | null)?.code;
    if (httpStatus >= 400 || code !== 0) errors.push(...this.run('error envelope', () => this.errorEnvelope(), body));
    return errors;
  }

  /** The HTTP statuses the document lists for an operation (error answers carry no schema there). */
  documentedStatuses(method: string, path: string): number[] {
    return Object.keys(this.operation(method, path).op.responses as Json).map(Number);
  }

  /** Validates a body against one definition (e.g. `CustomerResponse`). */
  validateDefinition(name: string, body: unknown): string[] {
    if (!(name in this.doc.definitions)) throw new Error(`PortOne OpenAPI has no definition ${name}`);
    return this.run(`def ${name}`, () => ({ $ref: `portone#/definitions/${name}` }), body);
  }

  /**
   * Validates what a client sends against the operation's parameters (`formData` = the body by default). Body values
   * are checked with their JSON types (our client sends JSON, where PortOne's `number` parameters are numbers); query
   * and path values are text, read as booleans and numbers where they look like them.
   */
  validateRequest(method: string, path: string, values: unknown, options: RequestCheckOptions = {}): string[] {
    const { path: template, op } = this.operation(method, path);
    const where = options.in ?? 'formData';
    const key = `req ${method} ${template} ${where} ${options.pg ?? ''}`;
    return this.run(
      key,
      () => {
        const properties: Json = {};
        const required: string[] = [];
        for (const p of (op.parameters ?? []) as Json[]) {
          if (p.in !== where) continue;
          const { name, in: _in, required: req, description: _d, default: _def, ...rest } = p;
          properties[name] = this.convert(p.schema ?? rest);
          const perPg = options.pg ? (p['x-portone-per-pg'] as Json | undefined)?.[options.pg] : undefined;
          if (req === true || perPg?.required === true) required.push(name);
        }
        return { type: 'object', properties, required };
      },
      where === 'formData' ? values : fromText(values),
    );
  }

  private run(key: string, build: () => Json, body: unknown): string[] {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(build());
      this.cache.set(key, validate);
    }
    return validate(body) ? [] : format(validate.errors);
  }

  /**
   * A response schema. `GET`/`DELETE /subscribe/customers/{customer_uid}` list their alternatives as the properties of
   * an untyped object (`{ CustomerResponse: $ref, SuperBillingKeyResponse: $ref }`, "CustomerResponse를 반환하며 …
   * SuperBillingKeyResponse를 반환합니다"): such a schema means one of them.
   */
  private responseSchema(schema: Json): Json {
    const props = schema.properties as Json | undefined;
    const alternatives = !schema.type && !schema.$ref && !schema.allOf && props ? Object.values(props) : [];
    if (alternatives.length > 0 && alternatives.every((p) => typeof (p as Json).$ref === 'string')) {
      return { anyOf: alternatives.map((p) => this.convert(p as Json)) };
    }
    return this.convert(schema);
  }

  /** ResponseAnnotation with a non-zero code and no response. */
  private errorEnvelope(): Json {
    return {
      allOf: [
        { $ref: 'portone#/definitions/ResponseAnnotation' },
        {
          type: 'object',
          required: ['code', 'message', 'response'],
          properties: { code: { type: 'integer', not: { const: 0 } }, response: { type: 'null' } },
        },
      ],
    };
  }

  private definitionSchema(name: string, def: Json): Json {
    const out = this.convert(def);
    // ResponseAnnotation is the envelope, extended through allOf with `response`: it stays open.
    const closed =
      this.options.closed !== false &&
      name.endsWith('Annotation') &&
      name !== 'ResponseAnnotation' &&
      !def.allOf &&
      def.properties;
    if (closed) {
      out.type = 'object';
      for (const extra of EXTRA_PROPERTIES[name] ?? []) out.properties[extra] = {};
      out.additionalProperties = false;
    }
    for (const field of PROSE_ENUMS[name] ?? []) {
      const values = proseEnum(def.properties[field]);
      if (values.length === 0)
        throw new Error(`PortOne OpenAPI: ${name}.${field} lists no values in x-portone-description`);
      // Every property may be null (see above), these too.
      out.properties[field] = { ...out.properties[field], enum: values.includes(null) ? values : [...values, null] };
    }
    return out;
  }

  /** Swagger 2.0 schema -> JSON Schema (see the module comment). */
  private convert(schema: Json): Json {
    if (!schema || typeof schema !== 'object') return {};
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k.startsWith('x-') || k === 'description' || k === 'example' || k === 'default') continue;
      if (k === '$ref') out.$ref = (v as string).replace('#/definitions/', 'portone#/definitions/');
      else if (NUMERIC_KEYWORDS.includes(k)) out[k] = Number(v);
      else if (k === 'properties') {
        out.properties = Object.fromEntries(
          Object.entries(v as Json).map(([p, s]) => [p, nullable(this.convert(s as Json))]),
        );
      } else if (k === 'items') out.items = this.convert(v as Json);
      else if (k === 'allOf') out.allOf = (v as Json[]).map((s) => this.convert(s));
      else out[k] = v;
    }
    if (out.properties && !out.type && !out.allOf && !out.$ref) out.type = 'object';
    return out;
  }
}

/** `- value : label` lines of a property's `x-portone-description`; `null` and integers keep their JSON type. */
export function proseEnum(property: Json | undefined): unknown[] {
  const text = String(property?.['x-portone-description'] ?? '');
  return [...text.matchAll(/^- ([A-Za-z0-9_.]+) :/gm)].map(([, v]) => {
    if (v === 'null') return null;
    if (property?.type === 'integer' && /^\d+$/.test(v)) return Number(v);
    return v;
  });
}

function fromText(values: unknown): unknown {
  if (!values || typeof values !== 'object') return values;
  return Object.fromEntries(
    Object.entries(values as Json).map(([k, v]) => [
      k,
      v === 'true' ? true : v === 'false' ? false : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v,
    ]),
  );
}

function nullable(schema: Json): Json {
  if (typeof schema.type === 'string' && !schema.$ref) {
    const out: Json = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

function format(errors: ErrorObject[] | null | undefined): string[] {
  // anyOf reports the failure of each branch (the `null` one included): keep the informative ones.
  const list = (errors ?? []).filter(
    (e) => !(e.keyword === 'type' && (e.params as Json).type === 'null') && e.keyword !== 'anyOf',
  );
  const text = (list.length > 0 ? list : (errors ?? [])).map((e) => {
    const params = e.params as Json;
    const detail =
      e.keyword === 'enum'
        ? ` ${JSON.stringify(params.allowedValues)}`
        : e.keyword === 'additionalProperties'
          ? `: ${params.additionalProperty}`
          : '';
    return `${e.instancePath || '(body)'} ${e.message}${detail}`;
  });
  return [...new Set(text)];
}

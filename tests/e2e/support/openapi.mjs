// The API description (docs/openapi.json) as a test oracle: assertDocumented(method, pattern,
// res) fails unless the response's status is documented for that operation, its media type is
// one the document lists, and its JSON body validates against the documented schema (JSON
// Schema 2020-12, with ajv). Every suite that uses it checks the document against the server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

export const DOC_PATH = resolve(import.meta.dirname, '../../../docs/openapi.json');
export const DOC_TEXT = readFileSync(DOC_PATH, 'utf8');
export const DOC = JSON.parse(DOC_TEXT);

const BASE = 'https://tessera.test/openapi';

// Component schema references ("#/components/schemas/X") rewritten to point into one schema
// resource that holds every component under $defs.
function rewrite(node) {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out[k] = `${BASE}#/$defs/${v.slice('#/components/schemas/'.length)}`;
      } else {
        out[k] = rewrite(v);
      }
    }
    return out;
  }
  return node;
}

// A validator for the document's schemas: strict JSON Schema 2020-12 (an unknown keyword or a
// bad type name is an error), with the formats the document uses checked as Tessera writes them.
export function makeAjv() {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  ajv.addFormat('email', /^[^\s@<>,]+@[^\s@<>,]+$/);
  ajv.addFormat('uri', /^https?:\/\/\S+$/);
  ajv.addSchema({ $id: BASE, $defs: rewrite(DOC.components.schemas) });
  return ajv;
}

const ajv = makeAjv();
const compiled = new Map();

function deref(obj) {
  let o = obj;
  while (o && o.$ref) {
    const parts = o.$ref.replace(/^#\//, '').split('/');
    o = parts.reduce((at, p) => at?.[p], DOC);
  }
  return o;
}

// The documented operation, e.g. operation('PATCH', '/admin/users/{id}').
export function operation(method, pattern) {
  const op = DOC.paths[pattern]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${pattern} is not in docs/openapi.json`);
  return op;
}

// Validates a JSON value against a component schema, e.g. assertSchema('User', body).
export function assertSchema(name, value) {
  const validate = ajv.getSchema(`${BASE}#/$defs/${name}`);
  assert.ok(validate, `no schema ${name}`);
  assert.ok(validate(value), `not a ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
}

// Asserts that `res` (from support/http.mjs) is what the document says `method pattern` answers
// with its status: a documented status, a documented media type, a body of the documented schema
// (or no body where none is documented). Returns the body.
export function assertDocumented(method, pattern, res) {
  const op = operation(method, pattern);
  const documented = op.responses[String(res.status)];
  assert.ok(documented, `${method} ${pattern} answered ${res.status}, which docs/openapi.json does not list (${Object.keys(op.responses)}): ${res.text.slice(0, 300)}`);
  const response = deref(documented);
  if (!response.content) {
    assert.equal(res.text, '', `${method} ${pattern} ${res.status} documents no body`);
    return res.body;
  }
  const media = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const content = response.content[media];
  assert.ok(content, `${method} ${pattern} ${res.status} answered ${media}; documented: ${Object.keys(response.content)}`);
  if (media.endsWith('json') && content.schema) {
    const key = `${method} ${pattern} ${res.status} ${media}`;
    if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(content.schema)));
    const validate = compiled.get(key);
    assert.ok(validate(res.body), `${key}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`);
  }
  return res.body;
}

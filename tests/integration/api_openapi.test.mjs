// docs/openapi.yaml: valid OpenAPI 3.1 by Redocly's linter (recommended-strict rules,
// redocly.yaml), served unchanged at /api/v1/openapi.yaml, and true to the server: every
// documented operation exists and answers with a status it documents.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './helpers.mjs';
import { ApiClient, apiKey } from './api_helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = join(ROOT, 'docs', 'openapi.yaml');
const REDOCLY = join(ROOT, 'tests', 'api', 'node_modules', '.bin', 'redocly');

let server;
let api;
let scratch;

function redocly(...args) {
  assert.ok(existsSync(REDOCLY), `${REDOCLY} is missing: run scripts/install-deps`);
  return execFileSync(REDOCLY, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
                                       env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
}

before(async () => {
  server = await startServer();
  api = new ApiClient(server, apiKey(server).secret);
  scratch = mkdtempSync(join(tmpdir(), 'consentd-openapi-'));
});
after(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  test('passes the linter', () => {
    const out = redocly('lint', DOC, '--format=stylish');
    assert.doesNotMatch(out, /error/i, out);
  });

  test('is served unchanged at /api/v1/openapi.yaml, without a key', async () => {
    const res = await fetch(server.url('/api/v1/openapi.yaml'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/yaml/);
    assert.equal(await res.text(), readFileSync(DOC, 'utf8'));
  });

  test('every documented operation exists and answers a documented status', async () => {
    const bundled = join(scratch, 'openapi.json');
    redocly('bundle', DOC, '--dereferenced', '--ext', 'json', '-o', bundled);
    const doc = JSON.parse(readFileSync(bundled, 'utf8'));
    const base = doc.servers[0].url;
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const op = item[method];
        if (!op) continue;
        // A fresh contact per operation, so that DELETE and PUT find what they need.
        const contact = (await api.post('/api/v1/contacts',
          { email: `openapi-${checked}-${process.pid}@example.com`, nachname: 'Doku', external_id: `doc-${checked}` })).json;
        const path = template.replace('{id}', String(contact.id)).replace('{external_id}', `doc-${checked}`);
        const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
        const headers = method === 'patch' ? { 'if-match': '*' } : {};
        const res = await api.request(method.toUpperCase(), base + path, { body, headers });
        const documented = Object.keys(op.responses);
        assert.ok(documented.includes(String(res.status)),
                  `${method.toUpperCase()} ${template}: ${res.status} is not documented (${documented}); ${res.body}`);
        assert.notEqual(res.status, 405, `${method.toUpperCase()} ${template} is not routed`);
        checked += 1;
      }
    }
    assert.ok(checked >= 11, `only ${checked} operations checked`);
  });
});

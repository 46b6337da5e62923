// CSV import and export in the admin UI: upload (multipart, larger than the server's usual
// body limit), progress polled from the JSON status route until done, the per-line error
// report of tests/testdata/contacts_bad_rows.csv, export of all contacts or a filter's
// matches; CSRF and another tenant's job ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodeEntities, sqlShellMissing, startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BAD_ROWS = readFileSync(join(here, '../testdata/contacts_bad_rows.csv'));
const MAKLER = { slug: 'makler', company: 'Makler & Partner GmbH', email: 'info@makler.example' };
const FREMD = { slug: 'fremd', company: 'Fremd Immobilien GmbH', email: 'info@fremd.example' };

let server, broker, fremd;

// Uploads `bytes` as the form's file; `csrf` in the query as the form's action carries it.
function upload(client, bytes, { csrf = client.csrf, name = 'kontakte.csv' } = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'text/csv' }), name);
  const query = csrf ? `?csrf=${encodeURIComponent(csrf)}` : '';
  return client.request('POST', `/admin/contacts/import${query}`, { body: form });
}

async function waitForJob(client, id) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await client.get(`/admin/contacts/import/${id}/status`);
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const status = JSON.parse(res.body);
    if (status.state !== 'running') return status;
    assert.ok(Date.now() < deadline, 'import did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startedJob(client, bytes) {
  await client.get('/admin/contacts/import');
  const res = await upload(client, bytes);
  assert.equal(res.status, 303, res.body.slice(0, 300));
  const m = res.location.match(/^\/admin\/contacts\/import\/(\d+)$/);
  assert.ok(m, res.location);
  return Number(m[1]);
}

before(async () => {
  server = await startServer({ demo: false, tenants: [MAKLER, FREMD] });
  broker = await adminSession(server, { tenant: 'makler', role: 'broker' });
  fremd = await adminSession(server, { tenant: 'fremd', role: 'broker' });
});

after(async () => {
  await server?.stop();
});

describe('import', () => {
  test('shows the per-line errors of a file with bad rows', async () => {
    const id = await startedJob(broker, BAD_ROWS);
    const status = await waitForJob(broker, id);
    assert.equal(status.state, 'done');
    assert.equal(status.percent, 100);
    assert.equal(status.inserted, 2);
    assert.equal(status.error_count, 7);
    const page = await broker.get(`/admin/contacts/import/${id}`);
    assert.equal(page.status, 200);
    const body = decodeEntities(page.body);
    assert.match(body, /<progress id="import-progress" max="100" value="100">/);
    assert.match(body, /src="\/static\/import_progress.js"/);
    const lines = [...body.matchAll(/<tr><td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    assert.deepEqual(lines, [4, 5, 7, 8, 9, 11, 12]);
    const js = await broker.get('/static/import_progress.js');
    assert.equal(js.status, 200);
  });

  test('takes a file larger than the usual body limit', async () => {
    let csv = 'E-Mail;Nachname;PLZ\n';
    for (let i = 0; csv.length < 300 * 1024; i++) csv += `gross${i}@example.org;Gross;1\n`;
    const id = await startedJob(broker, Buffer.from(csv));
    const status = await waitForJob(broker, id);
    assert.equal(status.state, 'done');
    assert.ok(status.total > 10_000, JSON.stringify(status));
    assert.equal(status.error_count, status.total);  // every PLZ is invalid: nothing written
    const other = await broker.post('/admin/contacts/new', { bemerkung: 'x'.repeat(300 * 1024) });
    assert.equal(other.status, 413);
  });

  test('only a signed-in form may send a large file; others are answered without their body', async () => {
    const huge = Buffer.alloc(21 * 1024 * 1024, 'a');  // over the import's own limit too
    await broker.get('/admin/contacts/import');
    assert.equal((await upload(broker, huge)).status, 413, 'the import limit holds for the signed-in form');
    // A wrong token or no session: the larger limit is refused before the body is read, and
    // the admin UI says why instead of a bare 413.
    const forged = await upload(broker, huge, { csrf: 'forged' });
    assert.equal(forged.status, 403);
    assert.match(decodeEntities(forged.body), /Formular abgelaufen/);
    const form = new FormData();
    form.append('file', new Blob([huge], { type: 'text/csv' }), 'k.csv');
    const anonymous = await fetch(server.url(`/admin/contacts/import?csrf=${encodeURIComponent(broker.csrf)}`),
                                  { method: 'POST', body: form, redirect: 'manual' });
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/admin/login?done=expired');
    assert.equal(server.sqlValue("SELECT count(*) FROM import_jobs WHERE file_name = 'k.csv'"), '0');
  });

  test('a refused file says why; no file is an error at the field', async () => {
    const id = await startedJob(broker, Buffer.from('Vorname;Nachname\nA;B\n'));
    const status = await waitForJob(broker, id);
    assert.equal(status.state, 'failed');
    assert.ok(status.failure.length > 0);
    await broker.get('/admin/contacts/import');
    const res = await upload(broker, Buffer.alloc(0));
    assert.equal(res.status, 422);
    assert.match(decodeEntities(res.body), /Bitte wählen Sie eine CSV-Datei aus/);
  });

  test('a job cut off by a restart says so in the reader\'s language', { skip: sqlShellMissing() }, async () => {
    const id = await startedJob(broker, Buffer.from('E-Mail;Nachname\nneustart@example.org;N\n'));
    await waitForJob(broker, id);
    // What `serve` leaves at start for a job that was still running (app::kImportCutByRestart).
    server.sql(`UPDATE import_jobs SET state = 'failed', failure = 'Der Import wurde durch einen ` +
               'Neustart des Servers abgebrochen. Bitte laden Sie die Datei erneut hoch; bereits ' +
               `importierte Zeilen werden dabei nur abgeglichen.' WHERE id = ${id}`);
    const de = decodeEntities((await broker.get(`/admin/contacts/import/${id}`)).body);
    assert.match(de, /id="import-failed" role="alert">Die Datei wurde nicht importiert: Der Import wurde durch einen Neustart/);
    const en = decodeEntities((await broker.get(`/admin/contacts/import/${id}?lang=en`)).body);
    assert.match(en, /id="import-failed" role="alert">The file was not imported: The import was cut off by a restart of the server/);
    await broker.get('/admin/contacts?lang=de');
  });

  test('without or with a forged CSRF token nothing is imported', async () => {
    await broker.get('/admin/contacts/import');
    for (const csrf of [null, 'forged']) {
      const res = await upload(broker, Buffer.from('E-Mail;Nachname\ncsrf@example.org;X\n'), { csrf });
      assert.equal(res.status, 403);
    }
    const list = await broker.get('/admin/contacts?q=csrf%40example.org');
    assert.doesNotMatch(list.body, /<td>csrf@example.org<\/td>/);
    assert.match(list.body, /id="cl-count">0 Kontakte/);
  });

  test("another tenant's job is the same 404 as a missing one", async () => {
    const id = await startedJob(broker, Buffer.from('E-Mail;Nachname\nnur.makler@example.org;M\n'));
    await waitForJob(broker, id);
    const missing = await fremd.get('/admin/contacts/import/999999999');
    const foreign = await fremd.get(`/admin/contacts/import/${id}`);
    assert.equal(missing.status, 404);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, missing.body);
    assert.equal((await fremd.get(`/admin/contacts/import/${id}/status`)).status, 404);
  });
});

describe('export', () => {
  test('downloads all contacts or the matches of the list filter', async () => {
    const all = await broker.get('/admin/contacts/export');
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type'), /^text\/csv/);
    assert.match(all.headers.get('content-disposition'), /attachment; filename="kontakte-/);
    assert.ok(all.body.includes('max@example.com'));
    assert.ok(all.body.includes('kim@example.com'));
    const some = await broker.get('/admin/contacts/export?q=kim');
    assert.equal(some.status, 200);
    assert.ok(some.body.includes('kim@example.com'));
    assert.ok(!some.body.includes('max@example.com'));
    assert.match(some.body, /^\uFEFFAnrede;/);
    const foreign = await fremd.get('/admin/contacts/export');
    assert.ok(!foreign.body.includes('kim@example.com'));
  });

  test('a filtered export includes contacts without an e-mail address', { skip: sqlShellMissing() }, async () => {
    const id = await startedJob(broker, Buffer.from('E-Mail;Vorname;Nachname\nolga@example.org;Olga;Ohnepost\n'));
    assert.equal((await waitForJob(broker, id)).state, 'done');
    // The import needs an address; a contact can still lose it later (e.g. pushed by a CRM).
    server.sql("UPDATE contacts SET email = '' WHERE email = 'olga@example.org'");
    const some = await broker.get('/admin/contacts/export?q=ohnepost');
    assert.equal(some.status, 200);
    assert.match(some.body, /;Olga;Ohnepost;/);
    assert.ok(!some.body.includes('olga@example.org'));
    assert.ok(!some.body.includes('kim@example.com'));
  });
});

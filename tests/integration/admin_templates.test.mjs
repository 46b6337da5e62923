// The template screens: list, edit with preview, the template check's errors at their line,
// saving only by admins and never of an invalid draft.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeEntities, startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const EDIT = '/admin/templates/kontakt-und-gesuchsdaten/de';

let server, admin, broker;

// The form's current fields on the edit page.
function fieldsOf(html) {
  const text = (name) => decodeEntities(html.match(new RegExp(`<textarea id="tp-${name}"[^>]*>([^<]*)</textarea>`))[1]);
  const input = (name) => decodeEntities(html.match(new RegExp(`<input type="text" id="tp-${name}" name="${name}" value="([^"]*)"`))[1]);
  return { name: input('name'), subject: input('subject'), body_text: text('body_text'), body_html: text('body_html') };
}

before(async () => {
  server = await startServer();
  admin = await adminSession(server, { role: 'admin' });
  broker = await adminSession(server, { role: 'broker' });
});

after(async () => { await server?.stop(); });

describe('templates', () => {
  test('the list shows every template with key, language and date', async () => {
    const res = await broker.get('/admin/templates');
    assert.equal(res.status, 200);
    assert.match(res.body, new RegExp(`<a href="${EDIT}">Kontakt- und Gesuchsdaten</a>`));
    assert.match(res.body, /<code>neuer-link<\/code>/);
    assert.match(res.body, /<th scope="col">Geändert<\/th>/);
  });

  test('the edit page previews the template on the sample contact', async () => {
    const res = await broker.get(EDIT);
    assert.equal(res.status, 200);
    const body = decodeEntities(res.body);
    assert.match(body, /<pre class="tp-preview-text">Sehr geehrte Frau Dr\. Mustermann,/);
    assert.match(body, /\/c\/BEISPIEL-LINK/);
    assert.match(body, /<script src="\/static\/template_editor.js" defer><\/script>/);
    assert.doesNotMatch(body, /name="action" value="save"/, 'a broker gets no save button');
  });

  test('a broker cannot save a template', async () => {
    const page = await broker.get(EDIT);
    const fields = fieldsOf(page.body);
    const res = await broker.post(EDIT, { ...fields, body_text: `${fields.body_text}\nVom Makler geändert`, action: 'save' });
    assert.equal(res.status, 403);
    const after = fieldsOf((await broker.get(EDIT)).body);
    assert.doesNotMatch(after.body_text, /Vom Makler geändert/);
  });

  test('a broker may preview a draft', async () => {
    const page = await broker.get(EDIT);
    const fields = fieldsOf(page.body);
    const res = await broker.post(EDIT, { ...fields, subject: 'Vorschau {{nachname}}', action: 'preview' });
    assert.equal(res.status, 200);
    assert.match(res.body, /<dd class="tp-preview-subject">Vorschau Mustermann<\/dd>/);
  });

  test('an admin saves a valid template, audited', async () => {
    const page = await admin.get(EDIT);
    const fields = fieldsOf(page.body);
    const body_text = `${fields.body_text}\nNeu: ein Satz vom Admin.`;
    const res = await admin.post(EDIT, { ...fields, body_text: body_text.replace(/\n/g, '\r\n'), action: 'save' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    assert.equal(res.location, `${EDIT}?done=tp_saved`);
    const after = await admin.get(res.location);
    assert.match(after.body, /Die Vorlage wurde gespeichert\./);
    assert.equal(fieldsOf(after.body).body_text, body_text);
  });

  test('an unknown placeholder is shown at its line and the template is not saved', async () => {
    const page = await admin.get(EDIT);
    const fields = fieldsOf(page.body);
    const draft = 'Hallo {{anrede_brief}}\n\nIhr {{vornme}} Link:\n{{consent_url}}\n';
    const res = await admin.post(EDIT, { ...fields, body_text: draft, action: 'save' });
    assert.equal(res.status, 422);
    const body = decodeEntities(res.body);
    assert.match(body, /<textarea id="tp-body_text" name="body_text" rows="18" aria-describedby="tp-body_text-hint tp-body_text-error" aria-invalid="true">/);
    assert.match(body, /<div class="field-error" id="tp-body_text-error"><p>Zeile 3: Unbekannter Platzhalter \{\{vornme\}\}\.<\/p>/);
    assert.match(body, /<div class="error-summary" role="alert"/);
    const after = fieldsOf((await admin.get(EDIT)).body);
    assert.equal(after.body_text, fields.body_text);
  });

  test('the live preview route renders a fragment with the problems', async () => {
    const page = await broker.get(EDIT);
    const fields = fieldsOf(page.body);
    const good = await broker.post(`${EDIT}/preview`, { ...fields, subject: 'Hallo {{vorname}}' });
    assert.equal(good.status, 200);
    assert.doesNotMatch(good.body, /<html/);
    assert.match(good.body, /<dd class="tp-preview-subject">Hallo Erika<\/dd>/);
    const bad = await broker.post(`${EDIT}/preview`, { ...fields, body_html: '<p>\n{{#vorname}}\n</p>' });
    assert.equal(bad.status, 200);
    assert.match(decodeEntities(bad.body), /HTML – Zeile 2: Der Abschnitt \{\{#vorname\}\} wird nicht geschlossen\./);
  });

  test('the HTML view is framed from its own route with its own strict policy', async () => {
    const page = await broker.get(EDIT);
    assert.doesNotMatch(page.headers.get('content-security-policy'), /unsafe-inline/);
    const src = decodeEntities(page.body).match(/<iframe class="mail-preview" sandbox="" title="[^"]*" src="([^"]+)"/);
    assert.ok(src, 'the saved template is framed by its own address');
    assert.equal(src[1], `${EDIT}/mail-preview`);
    const saved = await broker.get(src[1]);
    assert.equal(saved.status, 200);
    assert.match(saved.body, /Mustermann/);
    const csp = saved.headers.get('content-security-policy');
    assert.match(csp, /^default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; sandbox;/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(saved.headers.get('x-frame-options'), 'SAMEORIGIN');
    // A changed draft travels in the frame's address; nothing is saved by looking at it.
    const fields = fieldsOf(page.body);
    const draftHtml = '<p style="color:#036">Entwurf für {{nachname}}: {{consent_url}}</p>';
    const live = await broker.post(`${EDIT}/preview`, { ...fields, body_html: draftHtml });
    const draftSrc = decodeEntities(live.body).match(/src="([^"]+)"/)[1];
    assert.match(draftSrc, /\/mail-preview\?body_html=/);
    const draft = await broker.get(draftSrc);
    assert.equal(draft.status, 200);
    assert.match(draft.body, /<p style="color:#036">Entwurf für Mustermann: /);
    assert.equal(fieldsOf((await broker.get(EDIT)).body).body_html, fields.body_html);
    // A draft too long for a frame's address is not framed; the page asks to save it.
    const long = await broker.post(`${EDIT}/preview`, { ...fields, body_html: `<p>${'Ä'.repeat(3000)} {{consent_url}}</p>` });
    assert.equal(long.status, 200);
    assert.doesNotMatch(long.body, /<iframe/);
    assert.match(decodeEntities(long.body), /zu lang für die Vorschau/);
    // No session: to the login. Unknown template, or a POST: 404.
    assert.equal((await server.get(src[1])).status, 303);
    assert.equal((await broker.get('/admin/templates/gibt-es-nicht/de/mail-preview')).status, 404);
    assert.equal((await broker.post(src[1], {})).status, 404);
  });

  test('a forged CSRF token saves nothing', async () => {
    const page = await admin.get(EDIT);
    const fields = fieldsOf(page.body);
    const res = await admin.post(EDIT, { ...fields, body_text: `${fields.body_text}\nGefälscht`, action: 'save' },
                                 { csrf: 'forged-token' });
    assert.ok(res.status >= 400, `status ${res.status}`);
    assert.doesNotMatch(fieldsOf((await admin.get(EDIT)).body).body_text, /Gefälscht/);
  });

  test('unknown templates and languages answer 404 alike', async () => {
    const a = await admin.get('/admin/templates/gibt-es-nicht/de');
    const b = await admin.get('/admin/templates/kontakt-und-gesuchsdaten/fr');
    assert.equal(a.status, 404);
    assert.equal(b.status, 404);
    assert.equal(a.body, b.body);
  });

  test('the editor script is served as JavaScript', async () => {
    const res = await server.get('/static/template_editor.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/javascript/);
  });
});

// The admin's integration screen: API keys (created, shown once, revoked) and webhook
// endpoints (https only, secret shown once, paused, removed, delivery log) — admin only,
// CSRF-checked, and blind to other tenants.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';
import { ApiClient } from './api_helpers.mjs';

const OTHER = { slug: 'other', company: 'Andere Makler GmbH', email: 'info@andere.example' };

let server;

before(async () => { server = await startServer({ tenants: [OTHER] }); });
after(async () => { await server?.stop(); });

const secretOf = (html) => (html.match(/<code class="integration-secret">([^<]+)<\/code>/) || [])[1];

describe('admin integration screen', () => {
  test('a broker gets 403; a POST without CSRF changes nothing', async () => {
    const broker = await adminSession(server, { role: 'broker' });
    assert.equal((await broker.get('/admin/integration')).status, 403);
    assert.equal((await broker.post('/admin/integration', { action: 'create_key', name: 'x', scope: 'write' })).status, 403);
    const admin = await adminSession(server, { role: 'admin' });
    const forged = await admin.post('/admin/integration', { action: 'create_key', name: 'Ohne Token', scope: 'write' }, { csrf: 'falsch' });
    assert.equal(forged.status, 403);
    assert.doesNotMatch(server.cli('apikey', 'list', '--tenant', 'demo'), /Ohne Token/);
  });

  test('an API key is shown once, works, and stops working when revoked', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    const page = await admin.get('/admin/integration');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Schnittstellen zum CRM<\/h1>/);
    const bad = await admin.post('/admin/integration', { action: 'create_key', name: '', scope: 'admin' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /id="key-name-error"[^>]*>Bitte geben Sie dem Schlüssel einen Namen/);
    const created = await admin.post('/admin/integration', { action: 'create_key', name: 'FLOWFACT-Sync', scope: 'write' });
    assert.equal(created.status, 201);
    const secret = secretOf(created.body);
    assert.match(secret, /^cdk_[A-Za-z0-9_-]{43}$/);
    const api = new ApiClient(server, secret);
    assert.equal((await api.get('/api/v1/contacts')).status, 200);
    const again = await admin.get('/admin/integration');
    assert.ok(!again.body.includes(secret), 'never shown again');
    assert.ok(again.body.includes(`${secret.slice(0, 12)}…`), 'its first characters tell it apart');
    const id = again.body.match(/name="action" value="revoke_key"><input type="hidden" name="id" value="(\d+)"/)[1];
    const revoked = await admin.post('/admin/integration', { action: 'revoke_key', id });
    assert.equal(revoked.status, 303);
    assert.equal((await api.get('/api/v1/contacts')).status, 401);
  });

  test('webhooks: https only, secret once, pause and remove; the delivery log is per tenant', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    await admin.get('/admin/integration');
    const plain = await admin.post('/admin/integration', { action: 'add_webhook', url: 'http://crm.example/hook', all_events: '1' });
    assert.equal(plain.status, 422);
    assert.match(plain.body, /id="hook-url-error"[^>]*>Webhooks gehen nur an https-Adressen/);
    const none = await admin.post('/admin/integration', { action: 'add_webhook', url: 'https://crm.example/hook' });
    assert.equal(none.status, 422);
    assert.match(none.body, /id="hook-events-error"/);
    const added = await admin.post('/admin/integration',
      { action: 'add_webhook', url: 'https://crm.example/hook', 'event_consent.given': '1', 'event_contact.erased': '1' });
    assert.equal(added.status, 201);
    assert.match(secretOf(added.body), /^whsec_/);
    assert.match(server.cli('webhook', 'list', '--tenant', 'demo'), /active  https:\/\/crm\.example\/hook  events consent\.given,contact\.erased/);
    const page = await admin.get('/admin/integration');
    const id = page.body.match(/href="\/admin\/integration\/webhooks\/(\d+)"/)[1];
    assert.equal((await admin.get(`/admin/integration/webhooks/${id}`)).status, 200);
    assert.equal((await admin.post('/admin/integration', { action: 'pause_webhook', id })).status, 303);
    assert.match(server.cli('webhook', 'list', '--tenant', 'demo'), /inactive/);
    const otherAdmin = await adminSession(server, { tenant: 'other', role: 'admin' });
    const missing = await otherAdmin.get('/admin/integration/webhooks/999999');
    const foreign = await otherAdmin.get(`/admin/integration/webhooks/${id}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, missing.body);
    await otherAdmin.get('/admin/integration');
    assert.equal((await otherAdmin.post('/admin/integration', { action: 'remove_webhook', id })).status, 404);
    assert.match(server.cli('webhook', 'list', '--tenant', 'demo'), /crm\.example/, 'still there');
    assert.equal((await admin.post('/admin/integration', { action: 'remove_webhook', id })).status, 303);
    assert.doesNotMatch(server.cli('webhook', 'list', '--tenant', 'demo'), /crm\.example/);
  });
});

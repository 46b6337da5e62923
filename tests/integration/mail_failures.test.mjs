// Delivery failures against a real SMTP server (tools/smtp_sink.py, whose mode the test
// switches at runtime): SMTP down, 450 and 421 at RCPT, 550 at RCPT and after DATA, and a
// server that stalls. Transient trouble ends "deferred" with the reason kept and is retried
// (retry_base_seconds = 1) until the server accepts; a 5xx ends "failed" without retry; a
// message older than retry_max_age_seconds gives up; a stall never hangs the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { parseToken } from './helpers.mjs';
import { checkMail, freePort, SmtpSink, startMailServer, waitFor } from './mail_helpers.mjs';

const TENANT = 'demo';
const RECIPIENTS = '1,2';  // two of the demo contacts

// One consentd and one SMTP sink per scenario, in their own temp dirs.
function scenario(title, { mode = 'accept', sinkDown = false, mail = {} }, body) {
  describe(title, () => {
    const ctx = {};
    before(async () => {
      ctx.dir = mkdtempSync(join(tmpdir(), 'consentd-mail-failures-'));
      ctx.sinkDir = join(ctx.dir, 'sink');
      if (sinkDown) {
        ctx.port = await freePort();
      } else {
        ctx.sink = await SmtpSink.start(ctx.sinkDir, { mode });
        ctx.port = ctx.sink.port;
      }
      ctx.server = await startMailServer({
        smtpUrl: `smtp://127.0.0.1:${ctx.port}`,
        mail: { delivery_threads: 1, retry_base_seconds: 1, retry_max_age_seconds: 3600, smtp_timeout_seconds: 5, ...mail },
      });
    });
    after(async () => {
      await ctx.server?.stop();
      await ctx.sink?.stop();
      if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
    });
    body(ctx);
  });
}

async function send(ctx, subject) {
  const s = await ctx.server.sendMailing(TENANT, subject, '--contacts', RECIPIENTS);
  assert.deepEqual([s.recipients, s.skipped], [2, 0], s.text);  // some may be under way already
  ctx.mailing = s;
  return s;
}

// Waits until every message of the mailing is in `state`; returns the status.
function allIn(ctx, state, timeout = 20_000) {
  return ctx.server.waitForMailing(TENANT, ctx.mailing.id,
    (s) => s.messages.length === 2 && s.messages.every((m) => m.state === state), { timeout, what: `both messages ${state}` });
}

// Waits until each message has been seen "deferred" in some poll (a retry may already be
// under way in the next one); returns { contact id: the reply it was deferred with }.
async function allSeenDeferred(ctx, timeout = 20_000) {
  const seen = {};
  await ctx.server.waitForMailing(TENANT, ctx.mailing.id, (s) => {
    for (const m of s.messages) {
      assert.ok(m.state !== 'sent' && m.state !== 'failed', `contact ${m.contact}: ${m.state} — ${m.detail}`);
      if (m.state === 'deferred') seen[m.contact] = m.detail;
    }
    return Object.keys(seen).length === 2;
  }, { timeout, what: 'both messages to be deferred' });
  return seen;
}

// Fails if `probe()` turns truthy within `ms` (polled): for "this does not happen".
async function staysFalse(probe, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    assert.ok(!v, `${what}: ${JSON.stringify(v)}`);
    await delay(100);
  }
}

// After delivery: one mail per recipient at the sink, and one "E-Mail versendet" each.
async function assertDeliveredOnce(ctx, subject) {
  const done = await ctx.server.waitForMailing(TENANT, ctx.mailing.id, (s) => s.done, { timeout: 30_000 });
  assert.equal(done.sent, 2, done.text);
  for (const m of done.messages) assert.match(m.detail, /^250 /, `contact ${m.contact}: ${m.detail}`);
  const mails = checkMail(ctx.sink.dir).filter((m) => m.subject === subject);
  const to = mails.map((m) => m.envelope.rcpt_tos.join(',')).sort();
  assert.equal(to.length, 2, `mails at the sink: ${to}`);
  assert.equal(new Set(to).size, 2, `a recipient got more than one mail: ${to}`);
  for (const m of mails) assert.deepEqual(m.defects, []);
  const verify = await ctx.server.cliOk('evidence', 'verify');
  assert.match(verify, /tenant demo: \d+ activities verified/);
}

scenario('SMTP down (nothing listens on the port)', { sinkDown: true }, (ctx) => {
  const subject = 'Zustellung nach Ausfall';

  test('messages end "deferred" with the connection error as the reply', async () => {
    await send(ctx, subject);
    const seen = await allSeenDeferred(ctx);
    for (const [id, detail] of Object.entries(seen)) {
      assert.match(detail, /connect/i, `contact ${id}: ${detail}`);
      assert.match(detail, new RegExp(`\\b${ctx.port}\\b|refused`), `names the port or the refusal: ${detail}`);
    }
    const s = await ctx.server.mailingStatus(TENANT, ctx.mailing.id);
    assert.ok(!s.done, `deferred messages are still pending, no "— done": ${s.text}`);
    assert.equal(s.failed, 0);
  });

  test('they are delivered once an SMTP server listens on that port', async () => {
    ctx.sink = await SmtpSink.start(ctx.sinkDir, { port: ctx.port });
    await assertDeliveredOnce(ctx, subject);
  });
});

scenario('450 at RCPT, then the server accepts', { mode: 'reply450' }, (ctx) => {
  const subject = 'Zustellung nach 450';

  test('messages end "deferred" with the server\'s 450 reply', async () => {
    await send(ctx, subject);
    const seen = await allSeenDeferred(ctx);
    for (const detail of Object.values(seen)) assert.match(detail, /^450 4\.2\.1 Mailbox busy, try later \(test\)/, detail);
  });

  test('they are retried and delivered, each once, after the server accepts again', async () => {
    // At least one retry meets the 450 again before the switch (retry_base_seconds = 1).
    await waitFor(() => ctx.sink.count('rcpt', (e) => e.reply.startsWith('450')) >= 3, { timeout: 10_000, what: 'a retry' });
    await ctx.sink.setMode('accept');
    await assertDeliveredOnce(ctx, subject);
  });
});

scenario('421 at RCPT (the server closes the connection)', { mode: 'reply421' }, (ctx) => {
  const subject = 'Zustellung nach 421';

  test('messages end "deferred" with the 421 reply, and are delivered later', async () => {
    await send(ctx, subject);
    const seen = await allSeenDeferred(ctx);
    for (const detail of Object.values(seen)) assert.match(detail, /^421 4\.3\.2 Service shutting down \(test\)/, detail);
    await ctx.sink.setMode('accept');
    await assertDeliveredOnce(ctx, subject);
  });
});

scenario('550 at RCPT', { mode: 'reply550' }, (ctx) => {
  test('messages end "failed" with the 550 reply and are not retried', async () => {
    await send(ctx, 'Kein Postfach');
    const s = await allIn(ctx, 'failed');
    assert.ok(s.done, `failed messages are final: ${s.text}`);
    assert.equal(s.failed, 2);
    for (const m of s.messages) assert.match(m.detail, /^550 5\.1\.1 Mailbox unavailable \(test\)/, m.detail);
    const attempts = ctx.sink.count('rcpt');
    assert.equal(attempts, 2, 'one RCPT per message');
    // Retries would come after 1 s, 2 s, ...; the server accepts now, so any retry would show.
    await ctx.sink.setMode('accept');
    await staysFalse(() => ctx.sink.count('rcpt') > attempts && ctx.sink.events.filter((e) => e.event === 'rcpt'),
                     3_000, 'a failed message was retried');
    const after = await ctx.server.mailingStatus(TENANT, ctx.mailing.id);
    assert.equal(after.failed, 2, after.text);
    assert.equal(checkMail(ctx.sink.dir).length, 0);
  });

  test('no "E-Mail versendet" is recorded for a failed message', async () => {
    for (const id of RECIPIENTS.split(',')) {
      const token = parseToken(ctx.server.cli('contacts', 'link', id, '--tenant', TENANT));
      const doc = await ctx.server.export(token);
      assert.deepEqual(doc.activities.filter((a) => a.type === 'E-Mail versendet'), []);
    }
  });
});

scenario('550 after DATA', { mode: 'reply550-data' }, (ctx) => {
  test('messages end "failed" with the server\'s reply', async () => {
    await send(ctx, 'Abgelehnt nach DATA');
    const s = await allIn(ctx, 'failed');
    for (const m of s.messages) assert.match(m.detail, /^550 5\.1\.1 Mailbox unavailable \(test\)/, m.detail);
    assert.equal(ctx.sink.count('data'), 2, 'one attempt per message');
  });
});

scenario('retry_max_age_seconds', { sinkDown: true, mail: { retry_max_age_seconds: 2 } }, (ctx) => {
  test('a message deferred for longer than the maximum age ends "failed" with the last reason', async () => {
    await send(ctx, 'Zu alt');
    const s = await allIn(ctx, 'failed', 15_000);
    assert.ok(s.done, s.text);
    for (const m of s.messages) assert.match(m.detail, /connect/i, m.detail);
  });
});

scenario('a server that accepts the connection and never answers', { mode: 'stall', mail: { smtp_timeout_seconds: 2 } }, (ctx) => {
  const subject = 'Zustellung nach Stillstand';

  test('messages end "deferred" after the timeout, while the server keeps serving pages', async () => {
    const started = Date.now();
    await send(ctx, subject);
    await waitFor(() => ctx.sink.count('stalled') >= 1, { timeout: 5_000, what: 'the worker to connect' });
    // The worker is stuck in a stalled SMTP session now; HTTP must not be.
    for (let i = 0; i < 5; ++i) {
      const t = Date.now();
      const r = await fetch(`${ctx.server.baseUrl}/healthz`, { signal: AbortSignal.timeout(1_500) });
      assert.equal(r.status, 200);
      assert.equal((await r.text()).trim(), 'ok');
      assert.ok(Date.now() - t < 1_000, `/healthz took ${Date.now() - t} ms`);
    }
    const seen = await allSeenDeferred(ctx);
    for (const [id, detail] of Object.entries(seen)) assert.match(detail, /time|timeout|timed out/i, `contact ${id}: ${detail}`);
    // Two messages, one thread, 2 s each (plus a retry or two): far from hanging.
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });

  test('they are delivered once the server answers again', async () => {
    await ctx.sink.setMode('accept');
    await assertDeliveredOnce(ctx, subject);
  });
});

-- Serial e-mail: templates, mailings, the outbox, suppressions; the tenant's sender.

ALTER TABLE tenants ADD COLUMN sender_email TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN signature TEXT NOT NULL DEFAULT '';
-- Per-tenant SMTP account; empty url: the installation's default transport.
ALTER TABLE tenants ADD COLUMN smtp_url TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN smtp_username TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN smtp_password TEXT NOT NULL DEFAULT '';

CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  key TEXT NOT NULL,
  language TEXT NOT NULL,
  name TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, key, language)
) STRICT;

CREATE TABLE mailings (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  template_key TEXT NOT NULL,
  language TEXT NOT NULL,
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('preparing', 'queued', 'done')),
  created_by INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  selection TEXT NOT NULL,
  lawful_confirmation TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX mailings_tenant ON mailings(tenant_id, id);

-- The outbox: one row per recipient. pending (selected, not yet rendered) -> queued ->
-- sending (leased) -> sent | deferred (retry later) | failed; or skipped with a reason.
-- Bodies hold the personal link and are cleared once the message is sent.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  mailing_id INTEGER REFERENCES mailings(id),
  kind TEXT NOT NULL CHECK (kind IN ('mailing', 'link_request', 'email_confirmation')),
  contact_id INTEGER NOT NULL,
  link_token_id INTEGER,
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'queued', 'sending', 'sent', 'deferred', 'failed', 'skipped')),
  skip_reason TEXT NOT NULL DEFAULT '',
  to_address TEXT NOT NULL DEFAULT '',
  to_name TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL DEFAULT '',
  body_html TEXT NOT NULL DEFAULT '',
  unsubscribe_url TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL DEFAULT '',
  lease_until TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  smtp_reply TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  sent_at TEXT
) STRICT;
CREATE INDEX messages_mailing ON messages(tenant_id, mailing_id, state);
CREATE INDEX messages_due ON messages(state, next_attempt_at) WHERE state IN ('queued', 'deferred');
CREATE INDEX messages_leased ON messages(state, lease_until) WHERE state = 'sending';
CREATE INDEX messages_contact ON messages(tenant_id, contact_id, kind, created_at);

-- Addresses never to be mailed again (erased contacts, hard bounces), as SHA-256 of the
-- lower-cased address, so no personal data stays behind.
CREATE TABLE suppressions (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  email_sha256 TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, email_sha256)
) STRICT;

-- Double opt-in for a changed e-mail address.
CREATE TABLE email_changes (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  new_email TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  confirmed_at TEXT
) STRICT;

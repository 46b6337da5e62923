-- A message kind of its own for single mails about a decision or a deadline (a deletion
-- request's outcome to the person, new and nearly due requests to the broker), which were
-- recorded as 'email_confirmation' before. SQLite cannot change a CHECK constraint: the
-- table is rebuilt with the same columns, rows and indexes (no table refers to it).
CREATE TABLE messages_new (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  mailing_id INTEGER REFERENCES mailings(id),
  kind TEXT NOT NULL
    CHECK (kind IN ('mailing', 'link_request', 'email_confirmation', 'notice')),
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

INSERT INTO messages_new SELECT * FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

CREATE INDEX messages_mailing ON messages(tenant_id, mailing_id, state);
CREATE INDEX messages_due ON messages(state, next_attempt_at) WHERE state IN ('queued', 'deferred');
CREATE INDEX messages_leased ON messages(state, lease_until) WHERE state = 'sending';
CREATE INDEX messages_contact ON messages(tenant_id, contact_id, kind, created_at);
CREATE INDEX messages_due_by_tenant ON messages(tenant_id, id)
  WHERE state IN ('queued', 'deferred');

-- Webhooks to the broker's CRM. The tenant's activity chain is the durable, ordered queue
-- of events (written in the same transaction as each act); an endpoint only keeps how far
-- it got (cursor_seq) and its retry state, and is leased by one node at a time.
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL DEFAULT '*',     -- comma-separated event types, or '*'
  active INTEGER NOT NULL DEFAULT 1,
  cursor_seq INTEGER NOT NULL DEFAULT 0,  -- the last chain seq delivered (or skipped)
  failures INTEGER NOT NULL DEFAULT 0,    -- attempts failed in a row at cursor_seq + 1
  first_failure_at TEXT,
  next_attempt_at TEXT NOT NULL,
  lease_until TEXT,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, id);

-- Every delivery attempt, for the admin's delivery log.
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  endpoint_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  contact_id INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'abandoned')),
  status_code INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0,
  at TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(tenant_id, endpoint_id, id);

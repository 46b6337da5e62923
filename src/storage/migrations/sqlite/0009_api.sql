-- The JSON API (/api/v1): API keys, the CRM's own contact ids, idempotent POSTs, and the
-- key behind each audit entry.

-- Only the SHA-256 of a key is stored; `prefix` (the key's first characters) lets an admin
-- tell keys apart without the key itself.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, id);

-- The CRM's id of a contact; unique among the tenant's live contacts.
ALTER TABLE contacts ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX contacts_external_id ON contacts(tenant_id, external_id)
  WHERE external_id IS NOT NULL AND erased_at IS NULL;

-- A POST with an Idempotency-Key: the first request's fingerprint and, once answered, its
-- response, replayed to every retry with the same key.
CREATE TABLE idempotency_keys (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  api_key_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,  -- 0 while the first request is being answered
  response TEXT NOT NULL DEFAULT '',  -- JSON: headers and body of the answer
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, api_key_id, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

ALTER TABLE audit_log ADD COLUMN api_key_id INTEGER NOT NULL DEFAULT 0;

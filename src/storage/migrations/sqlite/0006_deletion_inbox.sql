-- The deletion-request inbox: decisions on requests, the tenant's retention periods
-- (Löschfristen), and the "nearly due" reminder sent once per request.

-- Who decided what, when and why. A retention hold keeps the data blocked until
-- retain_until; an extension (Art. 12(3)) moves due_at by at most two months in total.
ALTER TABLE deletion_requests ADD COLUMN decided_at TEXT;
ALTER TABLE deletion_requests ADD COLUMN decided_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deletion_requests ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE deletion_requests ADD COLUMN retention_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE deletion_requests ADD COLUMN retain_until TEXT;
ALTER TABLE deletion_requests ADD COLUMN extended_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deletion_requests ADD COLUMN extension_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE deletion_requests ADD COLUMN reminder_sent_at TEXT;
CREATE INDEX deletion_requests_tenant_id ON deletion_requests(tenant_id, id);

-- Löschfristen: named retention periods a hold can be based on ("GwG § 8: 5 Jahre").
CREATE TABLE retention_rules (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  legal_reference TEXT NOT NULL DEFAULT '',
  months INTEGER NOT NULL CHECK (months BETWEEN 1 AND 360),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX retention_rules_tenant ON retention_rules(tenant_id, id);

-- The clean-up after an erasure looks at recently erased contacts only.
CREATE INDEX contacts_erased ON contacts(tenant_id, erased_at) WHERE erased_at IS NOT NULL;

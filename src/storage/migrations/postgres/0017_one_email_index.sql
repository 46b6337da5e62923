-- One index serves both e-mail lookups: a tenant's (tenant_id and email_key, every create,
-- import, API upsert and consent-page lookup) and the one before a tenant is known
-- (email_key alone, the "new link" page). Keyed on the address first, it keeps the same
-- uniqueness among a tenant's live contacts, and every contact insert maintains one index
-- fewer.
CREATE UNIQUE INDEX contacts_email_key ON contacts (email_key, tenant_id)
  WHERE email <> '' AND erased_at IS NULL;
DROP INDEX contacts_tenant_email;
DROP INDEX contacts_email;

-- Contacts are found by their e-mail address in any letter case (every create, import,
-- API upsert and consent-page lookup). Under row-level security the planner may use a
-- condition as an index condition only when all functions applied to columns are
-- leakproof; lower() is not, so `lower(email) = lower($2)` scanned the whole tenant. A
-- stored folded copy compares with text equality, which is leakproof, and the unique
-- index is built on that copy instead.
ALTER TABLE contacts ADD COLUMN email_key text GENERATED ALWAYS AS (lower(email)) STORED;

DROP INDEX contacts_tenant_email;
DROP INDEX contacts_email;
CREATE UNIQUE INDEX contacts_tenant_email ON contacts (tenant_id, email_key)
  WHERE email <> '' AND erased_at IS NULL;
-- The "new link" page looks an address up before any tenant is known.
CREATE INDEX contacts_email ON contacts (email_key) WHERE email <> '' AND erased_at IS NULL;

CREATE OR REPLACE FUNCTION consentd_contacts_by_email(p_email text) RETURNS SETOF contacts
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT * FROM contacts
  WHERE email_key = lower(p_email) AND email <> '' AND erased_at IS NULL
  ORDER BY tenant_id, id
$$;

-- The address list (/admin/contacts): folded search and sort keys, the consent state of the
-- default purpose kept on the contact row, and the indexes every list query uses.
--   search_key  core::ContactSearchKey: "vorname nachname|firma|email|plz|ort", folded
--   sort_name   core::ContactSortName: "nachname vorname" (or firma), folded
--   sort_ort    folded ort
--   list_state  0 none, 1 granted, 2 withdrawn, 3 deletion requested (core::ConsentState) of
--               the purpose 'akquisition'; kept by SaveConsent, InsertDeletionRequest and
--               SetDeletionRequestStatus
-- Keys compare byte-wise (COLLATE "C"): prefix ranges and sort order are those of SQLite.

-- pg_trgm (a trusted extension: the database owner may create it) in its own schema, so
-- that the application role's grants on the schema's functions leave its objects alone.
CREATE SCHEMA IF NOT EXISTS consentd_ext;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA consentd_ext;

ALTER TABLE contacts ADD COLUMN search_key text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN sort_name text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN sort_ort text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN list_state smallint NOT NULL DEFAULT 0;

-- Backfill. New and changed rows get their keys from core::SearchKey (C++); this SQL
-- folds the same way for umlauts, ß and the common Latin diacritics, which is what
-- existing German address data holds (a few replace() at a time: SQLite's parser limits
-- nesting). A row is refolded by C++ whenever it is saved.
UPDATE contacts SET
  search_key = lower(trim(vorname || ' ' || nachname) || '|' || firma || '|' || email || '|' || plz || '|' || ort),
  sort_name = lower(CASE WHEN nachname = '' AND vorname = '' THEN firma
                         ELSE trim(nachname || ' ' || vorname) END),
  sort_ort = lower(ort);
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ä', 'ae'), 'ä', 'ae'), 'Ö', 'oe'), 'ö', 'oe'), 'Ü', 'ue'), 'ü', 'ue'), 'ß', 'ss'), 'ẞ', 'ss'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Ä', 'ae'), 'ä', 'ae'), 'Ö', 'oe'), 'ö', 'oe'), 'Ü', 'ue'), 'ü', 'ue'), 'ß', 'ss'), 'ẞ', 'ss'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Ä', 'ae'), 'ä', 'ae'), 'Ö', 'oe'), 'ö', 'oe'), 'Ü', 'ue'), 'ü', 'ue'), 'ß', 'ss'), 'ẞ', 'ss');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'À', 'a'), 'Á', 'a'), 'Â', 'a'), 'à', 'a'), 'á', 'a'), 'â', 'a'), 'Ç', 'c'), 'ç', 'c'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'À', 'a'), 'Á', 'a'), 'Â', 'a'), 'à', 'a'), 'á', 'a'), 'â', 'a'), 'Ç', 'c'), 'ç', 'c'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'À', 'a'), 'Á', 'a'), 'Â', 'a'), 'à', 'a'), 'á', 'a'), 'â', 'a'), 'Ç', 'c'), 'ç', 'c');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'È', 'e'), 'É', 'e'), 'Ê', 'e'), 'Ë', 'e'), 'è', 'e'), 'é', 'e'), 'ê', 'e'), 'ë', 'e'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'È', 'e'), 'É', 'e'), 'Ê', 'e'), 'Ë', 'e'), 'è', 'e'), 'é', 'e'), 'ê', 'e'), 'ë', 'e'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'È', 'e'), 'É', 'e'), 'Ê', 'e'), 'Ë', 'e'), 'è', 'e'), 'é', 'e'), 'ê', 'e'), 'ë', 'e');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ì', 'i'), 'Í', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ì', 'i'), 'í', 'i'), 'î', 'i'), 'ï', 'i'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Ì', 'i'), 'Í', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ì', 'i'), 'í', 'i'), 'î', 'i'), 'ï', 'i'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Ì', 'i'), 'Í', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ì', 'i'), 'í', 'i'), 'î', 'i'), 'ï', 'i');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ñ', 'n'), 'ñ', 'n'), 'Ò', 'o'), 'Ó', 'o'), 'Ô', 'o'), 'ò', 'o'), 'ó', 'o'), 'ô', 'o'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Ñ', 'n'), 'ñ', 'n'), 'Ò', 'o'), 'Ó', 'o'), 'Ô', 'o'), 'ò', 'o'), 'ó', 'o'), 'ô', 'o'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Ñ', 'n'), 'ñ', 'n'), 'Ò', 'o'), 'Ó', 'o'), 'Ô', 'o'), 'ò', 'o'), 'ó', 'o'), 'ô', 'o');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ø', 'o'), 'ø', 'o'), 'Ù', 'u'), 'Ú', 'u'), 'Û', 'u'), 'ù', 'u'), 'ú', 'u'), 'û', 'u'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Ø', 'o'), 'ø', 'o'), 'Ù', 'u'), 'Ú', 'u'), 'Û', 'u'), 'ù', 'u'), 'ú', 'u'), 'û', 'u'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Ø', 'o'), 'ø', 'o'), 'Ù', 'u'), 'Ú', 'u'), 'Û', 'u'), 'ù', 'u'), 'ú', 'u'), 'û', 'u');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Č', 'c'), 'č', 'c'), 'Š', 's'), 'š', 's'), 'Ž', 'z'), 'ž', 'z'), 'Ł', 'l'), 'ł', 'l'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Č', 'c'), 'č', 'c'), 'Š', 's'), 'š', 's'), 'Ž', 'z'), 'ž', 'z'), 'Ł', 'l'), 'ł', 'l'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Č', 'c'), 'č', 'c'), 'Š', 's'), 'š', 's'), 'Ž', 'z'), 'ž', 'z'), 'Ł', 'l'), 'ł', 'l');
UPDATE contacts SET
  search_key = replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ś', 's'), 'ś', 's'), 'Ć', 'c'), 'ć', 'c'), 'Ę', 'e'), 'ę', 'e'), 'Ą', 'a'), 'ą', 'a'),
  sort_name = replace(replace(replace(replace(replace(replace(replace(replace(sort_name, 'Ś', 's'), 'ś', 's'), 'Ć', 'c'), 'ć', 'c'), 'Ę', 'e'), 'ę', 'e'), 'Ą', 'a'), 'ą', 'a'),
  sort_ort = replace(replace(replace(replace(replace(replace(replace(replace(sort_ort, 'Ś', 's'), 'ś', 's'), 'Ć', 'c'), 'ć', 'c'), 'Ę', 'e'), 'ę', 'e'), 'Ą', 'a'), 'ą', 'a');
UPDATE contacts SET
  list_state = CASE
  WHEN EXISTS (SELECT 1 FROM deletion_requests d WHERE d.tenant_id = contacts.tenant_id
               AND d.contact_id = contacts.id AND d.status = 'open') THEN 3
  ELSE COALESCE((SELECT CASE WHEN k.revoked_at IS NOT NULL THEN 2
                             WHEN k.granted_at IS NOT NULL THEN 1 ELSE 0 END
                 FROM consents k JOIN consent_purposes p
                   ON p.tenant_id = k.tenant_id AND p.id = k.purpose_id
                 WHERE k.tenant_id = contacts.tenant_id AND k.contact_id = contacts.id
                   AND p.key = 'akquisition'), 0)
END;

-- Substring search: a trigram GIN index over search_key. LIKE is not a leakproof operator,
-- so under row-level security the planner may not use the index for the application
-- role's own query; this function runs the match as the owner, restricted to the tenant
-- of the caller's transaction (consentd_tenant()), and returns only ids.
CREATE INDEX contacts_list_search ON contacts USING gin (search_key consentd_ext.gin_trgm_ops)
  WHERE erased_at IS NULL;
CREATE FUNCTION consentd_contact_search(p_pattern text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT id FROM contacts
  WHERE tenant_id = consentd_tenant() AND erased_at IS NULL AND search_key LIKE p_pattern
$$;

CREATE INDEX contacts_list_name ON contacts (tenant_id, sort_name, id) WHERE erased_at IS NULL;
CREATE INDEX contacts_list_plz ON contacts (tenant_id, (plz COLLATE "C"), id)
  WHERE erased_at IS NULL;
CREATE INDEX contacts_list_ort ON contacts (tenant_id, sort_ort, id) WHERE erased_at IS NULL;
CREATE INDEX contacts_list_created ON contacts (tenant_id, created_at, id) WHERE erased_at IS NULL;
CREATE INDEX contacts_list_state ON contacts (tenant_id, list_state, sort_name, id)
  WHERE erased_at IS NULL;
CREATE INDEX contacts_list_basis ON contacts (tenant_id, legal_basis, sort_name, id)
  WHERE erased_at IS NULL;
CREATE INDEX contacts_list_kontaktart ON contacts (tenant_id, kontaktart, sort_name, id)
  WHERE erased_at IS NULL;
ANALYZE contacts;

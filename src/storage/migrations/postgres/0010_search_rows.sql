-- A substring search of the address list with the keys the page is chosen by. The bitmap
-- heap scan of the trigram index reads each matching row anyway (to recheck the match);
-- returning the sort and filter keys from there spares the list a primary-key lookup per
-- match (storage/contact_list_sql.cc reads only the rows of the page). Runs as the owner for
-- the reason given at consentd_contact_search(), restricted to the caller's tenant.
CREATE FUNCTION consentd_contact_search_rows(p_pattern text)
RETURNS TABLE (id bigint, sort_name text, sort_ort text, plz text, created_at timestamptz,
               list_state smallint, legal_basis text, kontaktart text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT id, sort_name, sort_ort, plz, created_at, list_state, legal_basis, kontaktart
  FROM contacts
  WHERE tenant_id = consentd_tenant() AND erased_at IS NULL AND search_key LIKE p_pattern
$$;

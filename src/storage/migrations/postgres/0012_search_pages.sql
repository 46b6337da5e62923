-- Substring searches of the address list (storage/contact_list_sql.h).

-- The trigram index also holds the filters' values (btree_gin), so a search with a filter
-- intersects both in the index and rechecks in the table only the rows matching both: "berg"
-- with legal basis "none" rechecked every "berg" match (~6,000 rows of 100,000) to count
-- 1,001 with that basis, now ~1,300. The index keeps its name (the plan test looks for it).
CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA consentd_ext;
DROP INDEX contacts_list_search;
CREATE INDEX contacts_list_search ON contacts
  USING gin (search_key consentd_ext.gin_trgm_ops, list_state, legal_basis, kontaktart)
  WHERE erased_at IS NULL;

-- A search's page is first sought in the first 2,000 contacts of the list in sort order
-- (storage/contact_list_sql.h, "window"); a narrow search ("muell": 1,857 of 100,000) finds
-- fewer than a page there and reads its matches after that, so the window is pure cost. The
-- name order's index includes the search key: the window of the default order is read from
-- the index alone (~0.3 ms instead of ~2 ms for 2,000 rows fetched from the table).
DROP INDEX contacts_list_name;
CREATE INDEX contacts_list_name ON contacts (tenant_id, sort_name, id) INCLUDE (search_key)
  WHERE erased_at IS NULL;

-- A page of a substring search: the ids of the page (sorted as storage/contact_list_sql.cc's
-- OrderBy() sorts the list), each with the number of all matches. One pass over the matches
-- chooses the page and counts them; only the page's ids leave the function (it replaces
-- consentd_contact_search_rows(), which returned every match's keys for the caller to sort).
-- PL/pgSQL building its query from the filters given (NULL: none; p_after 0: no cursor), so
-- that an index can take them: a generic plan of "p_basis IS NULL OR legal_basis = p_basis"
-- could not. p_sort is one of name, plz, ort, created, state, id. Runs as the owner for the
-- reason given at consentd_contact_search() (0003), restricted to the caller's tenant. ROWS:
-- a page, not the 1,000 rows the planner assumes of a function, so its rows are joined by id.
DROP FUNCTION consentd_contact_search_rows(text);
CREATE FUNCTION consentd_contact_search_page(p_pattern text, p_state smallint, p_basis text,
                                             p_kontaktart text, p_after bigint, p_sort text,
                                             p_descending boolean, p_offset bigint,
                                             p_limit integer)
RETURNS TABLE (id bigint, matches bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT ROWS 50 AS $$
DECLARE
  keys text := CASE p_sort
    WHEN 'name' THEN 'c.sort_name%1$s, c.id%1$s'
    WHEN 'plz' THEN 'c.plz COLLATE "C"%1$s, c.id%1$s'
    WHEN 'ort' THEN 'c.sort_ort%1$s, c.id%1$s'
    WHEN 'created' THEN 'c.created_at%1$s, c.id%1$s'
    WHEN 'state' THEN 'c.list_state%1$s, c.sort_name%1$s, c.id%1$s'
    WHEN 'id' THEN 'c.id%1$s'
  END;
BEGIN
  IF keys IS NULL THEN
    RAISE EXCEPTION 'unknown sort order %', p_sort;
  END IF;
  RETURN QUERY EXECUTE
    'SELECT c.id, count(*) OVER () FROM contacts c '
    'WHERE c.tenant_id = consentd_tenant() AND c.erased_at IS NULL AND c.search_key LIKE $1'
    || CASE WHEN p_state IS NULL THEN '' ELSE ' AND c.list_state = $2' END
    || CASE WHEN p_basis IS NULL THEN '' ELSE ' AND c.legal_basis = $3' END
    || CASE WHEN p_kontaktart IS NULL THEN '' ELSE ' AND c.kontaktart = $4' END
    || CASE WHEN p_after > 0 THEN ' AND c.id > $5' ELSE '' END
    || ' ORDER BY ' || format(keys, CASE WHEN p_descending THEN ' DESC' ELSE '' END)
    || ' LIMIT $7 OFFSET $6'
    USING p_pattern, p_state, p_basis, p_kontaktart, p_after, p_offset, p_limit;
END
$$;

-- How many of the caller's live contacts match, counting no further than p_cap: the table is
-- read for at most p_cap matches (plus the index's false positives among them). The same
-- filters as consentd_contact_search_page(); without them the plan is kept for the
-- connection (a SQL function running as its owner is never inlined and plans its query on
-- every call).
CREATE FUNCTION consentd_contact_search_count(p_pattern text, p_state smallint, p_basis text,
                                              p_kontaktart text, p_after bigint, p_cap bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  n bigint;
BEGIN
  IF p_state IS NULL AND p_basis IS NULL AND p_kontaktart IS NULL AND p_after <= 0 THEN
    SELECT count(*) INTO n FROM (
      SELECT 1 FROM contacts c
      WHERE c.tenant_id = consentd_tenant() AND c.erased_at IS NULL
        AND c.search_key LIKE p_pattern
      LIMIT p_cap) AS matches;
  ELSE
    EXECUTE
      'SELECT count(*) FROM (SELECT 1 FROM contacts c '
      'WHERE c.tenant_id = consentd_tenant() AND c.erased_at IS NULL AND c.search_key LIKE $1'
      || CASE WHEN p_state IS NULL THEN '' ELSE ' AND c.list_state = $2' END
      || CASE WHEN p_basis IS NULL THEN '' ELSE ' AND c.legal_basis = $3' END
      || CASE WHEN p_kontaktart IS NULL THEN '' ELSE ' AND c.kontaktart = $4' END
      || CASE WHEN p_after > 0 THEN ' AND c.id > $5' ELSE '' END
      || ' LIMIT $6) AS matches'
      INTO n USING p_pattern, p_state, p_basis, p_kontaktart, p_after, p_cap;
  END IF;
  RETURN n;
END
$$;

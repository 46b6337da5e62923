-- The lookups of every request — the API key (every API call), the admin session (every
-- admin page), the link token (every consent page) and the tenant by its slug — as PL/pgSQL:
-- a SECURITY DEFINER function in SQL is planned anew on every call (it cannot be inlined),
-- PL/pgSQL keeps its plan for the session. Same names, arguments, rows and rights.
CREATE OR REPLACE FUNCTION consentd_find_api_key(p_key_hash text) RETURNS SETOF api_keys
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY SELECT * FROM api_keys WHERE key_hash = p_key_hash;
END $$;

CREATE OR REPLACE FUNCTION consentd_find_session(p_token_hash text) RETURNS SETOF sessions
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY SELECT * FROM sessions WHERE token_hash = p_token_hash;
END $$;

CREATE OR REPLACE FUNCTION consentd_find_link_token(p_token_hash text) RETURNS SETOF link_tokens
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY SELECT * FROM link_tokens WHERE token_hash = p_token_hash;
END $$;

CREATE OR REPLACE FUNCTION consentd_tenant_by_slug(p_slug text) RETURNS SETOF tenants
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY SELECT * FROM tenants WHERE slug = p_slug;
END $$;

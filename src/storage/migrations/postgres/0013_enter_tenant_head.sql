-- consentd_enter_tenant, also answering the chain head it locked: the writer's first unit
-- of a tenant in a batch then needs no second statement to read the head it appends to.
-- The values come from the locking read itself, so they are the latest committed ones even
-- when the lock had to wait for another node's transaction.
CREATE FUNCTION consentd_enter_tenant_head(p_tenant bigint, p_wait boolean)
RETURNS TABLE (entered boolean, seq bigint, hash text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('consentd.tenant_id', p_tenant::text, true);
  IF p_wait THEN
    SELECT h.seq, h.hash INTO seq, hash FROM chain_heads h WHERE h.tenant_id = p_tenant
      FOR UPDATE;
  ELSE
    SELECT h.seq, h.hash INTO seq, hash FROM chain_heads h WHERE h.tenant_id = p_tenant
      FOR UPDATE NOWAIT;
  END IF;
  entered := true;
  RETURN NEXT;
EXCEPTION WHEN lock_not_available THEN
  entered := false;
  seq := NULL;
  hash := NULL;
  RETURN NEXT;
END $$;

-- Appends one activity to its tenant's chain: the activity, its payload and the new chain
-- head in one call. The writer sends it without waiting for its answer (pipeline), so the
-- check that the chain head is the one the activity was built on happens here: an append
-- whose prev_hash or seq does not follow the head fails the statement, and with it the
-- writer's unit, instead of forking the chain.
CREATE FUNCTION consentd_append_activity(p_tenant bigint, p_seq bigint, p_contact bigint,
                                         p_type text, p_author bigint,
                                         p_created_at timestamptz, p_payload_sha256 text,
                                         p_prev_hash text, p_hash text, p_payload text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  UPDATE chain_heads SET seq = p_seq, hash = p_hash
    WHERE tenant_id = p_tenant AND seq = p_seq - 1 AND hash = p_prev_hash;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'chain head of tenant % is not at seq % with the activity''s prev_hash',
      p_tenant, p_seq - 1;
  END IF;
  INSERT INTO activities (tenant_id, seq, contact_id, type, author_user_id, created_at,
                          payload_sha256, prev_hash, hash)
    VALUES (p_tenant, p_seq, p_contact, p_type, p_author, p_created_at, p_payload_sha256,
            p_prev_hash, p_hash)
    RETURNING id INTO v_id;
  INSERT INTO activity_payloads (activity_id, tenant_id, payload) VALUES (v_id, p_tenant, p_payload);
END $$;

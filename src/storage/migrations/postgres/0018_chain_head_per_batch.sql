-- The writer locks a tenant's chain head row once per batch and used to update it with
-- every activity, each from its own savepoint (a subtransaction): every update of a row
-- that an earlier subtransaction had locked gave the new row version a multixact (locker
-- and updater). The head is now written once per batch and tenant, when the batch ends
-- (consentd_set_chain_head); an append checks that it follows the head as the batch left
-- it so far — the row's value when no activity of this batch precedes it, else the
-- activity just before it — and the unique (tenant_id, seq) still refuses a second
-- activity at one seq.
CREATE OR REPLACE FUNCTION consentd_append_activity(p_tenant bigint, p_seq bigint,
                                                    p_contact bigint, p_type text,
                                                    p_author bigint,
                                                    p_created_at timestamptz,
                                                    p_payload_sha256 text, p_prev_hash text,
                                                    p_hash text, p_payload text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_head_seq bigint;
  v_head_hash text;
BEGIN
  SELECT seq, hash INTO v_head_seq, v_head_hash FROM chain_heads WHERE tenant_id = p_tenant;
  IF NOT FOUND OR v_head_seq > p_seq - 1
     OR (v_head_seq = p_seq - 1 AND v_head_hash <> p_prev_hash)
     OR (v_head_seq < p_seq - 1 AND NOT EXISTS (
           SELECT 1 FROM activities
           WHERE tenant_id = p_tenant AND seq = p_seq - 1 AND hash = p_prev_hash)) THEN
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

-- Moves a tenant's chain head from p_from_seq to the batch's last activity; fails (and with
-- it the batch) unless the head is still where the batch found it and that activity exists.
CREATE FUNCTION consentd_set_chain_head(p_tenant bigint, p_from_seq bigint, p_seq bigint,
                                        p_hash text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM activities
                 WHERE tenant_id = p_tenant AND seq = p_seq AND hash = p_hash) THEN
    RAISE EXCEPTION 'tenant % has no activity % with the new head''s hash', p_tenant, p_seq;
  END IF;
  UPDATE chain_heads SET seq = p_seq, hash = p_hash
    WHERE tenant_id = p_tenant AND seq = p_from_seq;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'chain head of tenant % is no longer at seq %', p_tenant, p_from_seq;
  END IF;
END $$;

-- Lets the delivery worker find each tenant's oldest due messages without reading the queue.
CREATE INDEX IF NOT EXISTS messages_due_by_tenant ON messages(tenant_id, id)
  WHERE state IN ('queued', 'deferred');

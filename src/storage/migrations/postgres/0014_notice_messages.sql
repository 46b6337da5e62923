-- A message kind of its own for single mails about a decision or a deadline (a deletion
-- request's outcome to the person, new and nearly due requests to the broker), which were
-- recorded as 'email_confirmation' before.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check
  CHECK (kind IN ('mailing', 'link_request', 'email_confirmation', 'notice'));

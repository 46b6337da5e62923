-- consentd schema, version 1 (SQLite). Never edit after release; add a new file instead.

CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;

CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  company TEXT NOT NULL,
  street TEXT NOT NULL DEFAULT '',
  postal_code TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT 'DE',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  privacy_url TEXT NOT NULL DEFAULT '',
  imprint_url TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'broker', 'system')),
  password_hash TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_tenant_email ON users(tenant_id, email COLLATE NOCASE);
CREATE UNIQUE INDEX users_one_system_user ON users(tenant_id) WHERE role = 'system';

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  anrede TEXT NOT NULL DEFAULT '',
  titel TEXT NOT NULL DEFAULT '',
  vorname TEXT NOT NULL DEFAULT '',
  nachname TEXT NOT NULL DEFAULT '',
  firma TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  telefon TEXT NOT NULL DEFAULT '',
  mobil TEXT NOT NULL DEFAULT '',
  strasse TEXT NOT NULL DEFAULT '',
  hausnummer TEXT NOT NULL DEFAULT '',
  plz TEXT NOT NULL DEFAULT '',
  ort TEXT NOT NULL DEFAULT '',
  land TEXT NOT NULL DEFAULT 'DE',
  sprache TEXT NOT NULL DEFAULT 'de',
  kontaktart TEXT NOT NULL DEFAULT '',
  legal_basis TEXT NOT NULL DEFAULT 'none'
    CHECK (legal_basis IN ('none', 'consent', 'existing_customer', 'own_enquiry')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  erased_at TEXT
) STRICT;
CREATE UNIQUE INDEX contacts_tenant_email ON contacts(tenant_id, email COLLATE NOCASE)
  WHERE email <> '' AND erased_at IS NULL;
CREATE INDEX contacts_tenant_id ON contacts(tenant_id, id);

CREATE TABLE consent_purposes (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  key TEXT NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (tenant_id, key)
) STRICT;

CREATE TABLE consent_texts (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  purpose_id INTEGER NOT NULL REFERENCES consent_purposes(id),
  version INTEGER NOT NULL,
  language TEXT NOT NULL,
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, purpose_id, language, version)
) STRICT;

CREATE TABLE consents (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  purpose_id INTEGER NOT NULL REFERENCES consent_purposes(id),
  source TEXT NOT NULL,
  purpose_name TEXT NOT NULL,
  granted_at TEXT,
  revoked_at TEXT,
  revocation_reason TEXT NOT NULL DEFAULT '',
  text_version INTEGER NOT NULL DEFAULT 0,
  text_sha256 TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, contact_id, purpose_id)
) STRICT;

CREATE TABLE search_profiles (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  vermarktungsart TEXT NOT NULL,
  nutzungsart TEXT NOT NULL,
  objektart TEXT NOT NULL,
  objekttyp TEXT NOT NULL DEFAULT '',
  land TEXT NOT NULL DEFAULT 'DE',
  plz TEXT NOT NULL DEFAULT '',
  ort TEXT NOT NULL DEFAULT '',
  radius_km INTEGER,
  preis_von INTEGER, preis_bis INTEGER,
  wohnflaeche_von INTEGER, wohnflaeche_bis INTEGER,
  grundstuecksflaeche_von INTEGER, grundstuecksflaeche_bis INTEGER,
  zimmer_von INTEGER, zimmer_bis INTEGER,
  bemerkung TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX search_profiles_contact ON search_profiles(tenant_id, contact_id);

-- Evidence. `activities` is append-only and hash-chained per tenant; the payload (with
-- personal data) lives in its own table so that erasure can delete it.
CREATE TABLE activities (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  seq INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  author_user_id INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (tenant_id, seq)
) STRICT;
CREATE INDEX activities_contact ON activities(tenant_id, contact_id, seq);

CREATE TABLE activity_payloads (
  activity_id INTEGER PRIMARY KEY REFERENCES activities(id),
  tenant_id INTEGER NOT NULL,
  payload TEXT NOT NULL
) STRICT;

CREATE TABLE chain_heads (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT;

CREATE TRIGGER activities_append_only_update BEFORE UPDATE ON activities
BEGIN SELECT RAISE(ABORT, 'activities are append-only'); END;
CREATE TRIGGER activities_append_only_delete BEFORE DELETE ON activities
BEGIN SELECT RAISE(ABORT, 'activities are append-only'); END;

CREATE TABLE link_tokens (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  token_hash TEXT NOT NULL UNIQUE,
  mailing_id INTEGER,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX link_tokens_contact ON link_tokens(tenant_id, contact_id);

CREATE TABLE deletion_requests (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  received_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'erased', 'retained', 'rejected', 'withdrawn')),
  note TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX deletion_requests_one_open ON deletion_requests(tenant_id, contact_id)
  WHERE status = 'open';
CREATE INDEX deletion_requests_due ON deletion_requests(tenant_id, status, due_at);

INSERT INTO server_secrets (name, value) VALUES ('csrf', randomblob(32));

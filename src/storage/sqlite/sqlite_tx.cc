#include "storage/sqlite/sqlite_tx.h"

#include "storage/contact_list_sql.h"
#include "storage/sqlite/sqlite_rows.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

namespace {

// Binds the profile's fields from vermarktungsart to updated_at at 1..17.
// The address list's folded search and sort keys of the contact (core/search_key.h), from
// parameter `first` on.
void BindListKeys(Statement& s, int first, const core::ContactData& data) {
  s.Bind(first, core::ContactSearchKey(data))
      .Bind(first + 1, core::ContactSortName(data))
      .Bind(first + 2, core::ContactSortOrt(data));
}

void BindProfile(Statement& s, const core::SearchProfile& p) {
  s.Bind(1, p.vermarktungsart).Bind(2, p.nutzungsart).Bind(3, p.objektart).Bind(4, p.objekttyp);
  s.Bind(5, p.land).Bind(6, p.plz).Bind(7, p.ort).Bind(8, p.radius_km);
  s.Bind(9, p.preis_von).Bind(10, p.preis_bis).Bind(11, p.wohnflaeche_von);
  s.Bind(12, p.wohnflaeche_bis).Bind(13, p.grundstuecksflaeche_von);
  s.Bind(14, p.grundstuecksflaeche_bis).Bind(15, p.zimmer_von).Bind(16, p.zimmer_bis);
  s.Bind(17, p.bemerkung);
}

}  // namespace

// ---------------------------------------------------------------- reads

Result<core::Tenant> SqliteTx::FindTenant(core::TenantId id) {
  Statement s(db_, Select(kTenantColumns, "FROM tenants WHERE id = ?"));
  s.Bind(1, id);
  return OneOrNotFound(s, ReadTenant<Statement>, "tenant");
}

Result<core::Tenant> SqliteTx::FindTenantBySlug(std::string_view slug) {
  Statement s(db_, Select(kTenantColumns, "FROM tenants WHERE slug = ?"));
  s.Bind(1, slug);
  return OneOrNotFound(s, ReadTenant<Statement>, "tenant");
}

Result<std::vector<core::Tenant>> SqliteTx::ListTenants() {
  Statement s(db_, Select(kTenantColumns, "FROM tenants ORDER BY id"));
  return AllRows(s, ReadTenant<Statement>);
}

Result<core::User> SqliteTx::FindSystemUser(core::TenantId tenant) {
  Statement s(db_, Select(kUserColumns, "FROM users WHERE tenant_id = ? AND role = 'system'"));
  s.Bind(1, tenant);
  return OneOrNotFound(s, ReadUser<Statement>, "system user");
}

Result<core::User> SqliteTx::FindUserByEmail(core::TenantId tenant, std::string_view email) {
  Statement s(db_,
              Select(kUserColumns, "FROM users WHERE tenant_id = ? AND email = ? COLLATE NOCASE"));
  s.Bind(1, tenant).Bind(2, email);
  return OneOrNotFound(s, ReadUser<Statement>, "user");
}

Result<core::Contact> SqliteTx::FindContact(core::TenantId tenant, core::ContactId id) {
  Statement s(db_, Select(kContactColumns, "FROM contacts WHERE tenant_id = ? AND id = ?"));
  s.Bind(1, tenant).Bind(2, id);
  return OneOrNotFound(s, ReadContact<Statement>, "contact " + std::to_string(id));
}

Result<core::Contact> SqliteTx::FindContactByEmail(core::TenantId tenant, std::string_view email) {
  Statement s(db_, Select(kContactColumns, ContactByEmailFromSql(SqlDialect::kSqlite)));
  s.Bind(1, tenant).Bind(2, email);
  return OneOrNotFound(s, ReadContact<Statement>, "contact");
}

Result<std::vector<core::Contact>> SqliteTx::ListContacts(core::TenantId tenant,
                                                          core::ContactId after_id, int limit) {
  Statement s(db_, Select(kContactColumns,
                          "FROM contacts WHERE tenant_id = ? AND id > ? AND erased_at IS NULL "
                          "ORDER BY id LIMIT ?"));
  s.Bind(1, tenant).Bind(2, after_id).Bind(3, std::int64_t{limit});
  return AllRows(s, ReadContact<Statement>);
}

Result<core::ConsentPurpose> SqliteTx::FindPurpose(core::TenantId tenant, std::string_view key) {
  Statement s(db_,
              "SELECT id, tenant_id, key, name FROM consent_purposes "
              "WHERE tenant_id = ? AND key = ?");
  s.Bind(1, tenant).Bind(2, key);
  auto read = [](const Statement& st) {
    return core::ConsentPurpose{st.ColumnInt(0), st.ColumnInt(1), st.ColumnText(2),
                                st.ColumnText(3)};
  };
  return OneOrNotFound<core::ConsentPurpose>(s, read, "purpose");
}

Result<core::ConsentText> SqliteTx::CurrentText(core::TenantId tenant, core::PurposeId purpose,
                                                std::string_view language) {
  Statement s(db_,
              "SELECT purpose_id, version, language, body, sha256 FROM consent_texts "
              "WHERE tenant_id = ? AND purpose_id = ? AND language = ? "
              "ORDER BY version DESC LIMIT 1");
  s.Bind(1, tenant).Bind(2, purpose).Bind(3, language);
  auto read = [](const Statement& st) {
    return core::ConsentText{st.ColumnInt(0), static_cast<int>(st.ColumnInt(1)), st.ColumnText(2),
                             st.ColumnText(3), st.ColumnText(4)};
  };
  return OneOrNotFound<core::ConsentText>(s, read, "consent text");
}

Result<std::optional<core::ConsentRecord>> SqliteTx::FindConsent(core::TenantId tenant,
                                                                 core::ContactId contact,
                                                                 core::PurposeId purpose) {
  Statement s(db_, Select(kConsentColumns,
                          "FROM consents WHERE tenant_id = ? AND contact_id = ? "
                          "AND purpose_id = ?"));
  s.Bind(1, tenant).Bind(2, contact).Bind(3, purpose);
  if (s.Step()) return std::optional<core::ConsentRecord>(ReadConsent(s));
  if (!s.status()) return s.status().error();
  return std::optional<core::ConsentRecord>();
}

Result<std::vector<core::ConsentRecord>> SqliteTx::ListConsents(core::TenantId tenant,
                                                                core::ContactId contact) {
  Statement s(db_, Select(kConsentColumns,
                          "FROM consents WHERE tenant_id = ? AND contact_id = ? "
                          "ORDER BY purpose_id"));
  s.Bind(1, tenant).Bind(2, contact);
  return AllRows(s, ReadConsent<Statement>);
}

Result<std::vector<core::SearchProfile>> SqliteTx::ListSearchProfiles(core::TenantId tenant,
                                                                      core::ContactId contact) {
  Statement s(db_, Select(kProfileColumns,
                          "FROM search_profiles WHERE tenant_id = ? AND contact_id = ? "
                          "ORDER BY id"));
  s.Bind(1, tenant).Bind(2, contact);
  return AllRows(s, ReadProfile<Statement>);
}

Result<std::vector<core::Activity>> SqliteTx::ListActivities(core::TenantId tenant,
                                                             core::ContactId contact) {
  Statement s(db_, std::string(kActivitySelect) +
                       "WHERE a.tenant_id = ? AND a.contact_id = ? ORDER BY a.seq");
  s.Bind(1, tenant).Bind(2, contact);
  return AllRows(s, ReadActivity<Statement>);
}

Result<std::vector<core::Activity>> SqliteTx::ListChain(core::TenantId tenant,
                                                        std::int64_t after_seq, int limit) {
  Statement s(db_, std::string(kActivitySelect) +
                       "WHERE a.tenant_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?");
  s.Bind(1, tenant).Bind(2, after_seq).Bind(3, std::int64_t{limit});
  return AllRows(s, ReadActivity<Statement>);
}

Result<std::optional<core::ChainHead>> SqliteTx::FindChainHead(core::TenantId tenant) {
  Statement s(db_, "SELECT seq, hash FROM chain_heads WHERE tenant_id = ?");
  s.Bind(1, tenant);
  std::optional<core::ChainHead> head;
  if (s.Step()) head = core::ChainHead{s.ColumnInt(0), s.ColumnText(1)};
  if (!s.status()) return s.status().error();
  return head;
}

Result<core::LinkToken> SqliteTx::FindLinkToken(std::string_view token_hash) {
  Statement s(db_, Select(kTokenColumns, "FROM link_tokens WHERE token_hash = ?"));
  s.Bind(1, token_hash);
  return OneOrNotFound(s, ReadToken<Statement>, "link");
}

Result<std::optional<core::DeletionRequest>> SqliteTx::FindOpenDeletionRequest(
    core::TenantId tenant, core::ContactId contact) {
  Statement s(db_, Select(kDeletionRequestColumns,
                          "FROM deletion_requests WHERE tenant_id = ? AND contact_id = ? "
                          "AND status = 'open'"));
  s.Bind(1, tenant).Bind(2, contact);
  if (s.Step()) return std::optional<core::DeletionRequest>(ReadDeletionRequest(s));
  if (!s.status()) return s.status().error();
  return std::optional<core::DeletionRequest>();
}

Result<std::string> SqliteTx::ServerSecret() {
  Statement s(db_, "SELECT value FROM server_secrets WHERE name = 'csrf'");
  return OneOrNotFound<std::string>(
      s, [](const Statement& st) { return st.ColumnText(0); }, "server secret");
}

// ---------------------------------------------------------------- writes

Result<core::TenantId> SqliteTx::InsertTenant(const core::Tenant& t) {
  Statement s(db_,
              "INSERT INTO tenants (slug, company, street, postal_code, city, country, "
              "email, phone, privacy_url, imprint_url, sender_email, sender_name, "
              "signature, smtp_url, smtp_username, smtp_password, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
              "strftime('%Y-%m-%dT%H:%M:%SZ'))");
  const auto& c = t.controller;
  s.Bind(1, t.slug).Bind(2, c.company).Bind(3, c.street).Bind(4, c.postal_code).Bind(5, c.city);
  s.Bind(6, c.country).Bind(7, c.email).Bind(8, c.phone).Bind(9, c.privacy_url);
  s.Bind(10, c.imprint_url).Bind(11, t.sender_email).Bind(12, t.sender_name);
  s.Bind(13, t.signature).Bind(14, t.smtp.url).Bind(15, t.smtp.username);
  s.Bind(16, t.smtp.password);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Result<core::UserId> SqliteTx::InsertUser(const core::User& u) {
  Statement s(db_,
              "INSERT INTO users (tenant_id, email, name, role, password_hash, active, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ'))");
  s.Bind(1, u.tenant_id).Bind(2, u.email).Bind(3, u.name).Bind(4, core::RoleName(u.role));
  s.Bind(5, u.password_hash).Bind(6, std::int64_t{u.active ? 1 : 0});
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Result<core::ContactId> SqliteTx::InsertContact(const core::Contact& c) {
  Statement s(db_,
              "INSERT INTO contacts (tenant_id, anrede, titel, vorname, nachname, firma, "
              "email, telefon, mobil, strasse, hausnummer, plz, ort, land, sprache, "
              "kontaktart, legal_basis, created_at, updated_at, external_id, "
              "search_key, sort_name, sort_ort) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  int i = 1;
  s.Bind(i++, c.tenant_id);
  for (const auto& f : core::kContactFields) s.Bind(i++, c.data.*f.member);
  s.Bind(i++, core::LegalBasisKey(c.legal_basis));
  s.Bind(i, core::FormatIso(c.created_at));
  s.Bind(i + 1, core::FormatIso(c.updated_at));
  BindOptionalText(s, i + 2, ExternalIdOrNull(c));
  BindListKeys(s, i + 3, c.data);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::UpdateContact(const core::Contact& c) {
  Statement s(db_,
              "UPDATE contacts SET anrede = ?, titel = ?, vorname = ?, nachname = ?, "
              "firma = ?, email = ?, telefon = ?, mobil = ?, strasse = ?, hausnummer = ?, "
              "plz = ?, ort = ?, land = ?, sprache = ?, kontaktart = ?, legal_basis = ?, "
              "updated_at = ?, external_id = ?, search_key = ?, sort_name = ?, sort_ort = ? "
              "WHERE tenant_id = ? AND id = ? AND erased_at IS NULL");
  int i = 1;
  for (const auto& f : core::kContactFields) s.Bind(i++, c.data.*f.member);
  s.Bind(i, core::LegalBasisKey(c.legal_basis));
  s.Bind(i + 1, core::FormatIso(c.updated_at));
  BindOptionalText(s, i + 2, ExternalIdOrNull(c));
  BindListKeys(s, i + 3, c.data);
  s.Bind(i + 6, c.tenant_id);
  s.Bind(i + 7, c.id);
  return s.RunChanging("contact " + std::to_string(c.id));
}

Result<core::PurposeId> SqliteTx::InsertPurpose(const core::ConsentPurpose& p) {
  Statement s(db_, "INSERT INTO consent_purposes (tenant_id, key, name) VALUES (?, ?, ?)");
  s.Bind(1, p.tenant_id).Bind(2, p.key).Bind(3, p.name);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::InsertConsentText(core::TenantId tenant, const core::ConsentText& t) {
  Statement s(db_,
              "INSERT INTO consent_texts (tenant_id, purpose_id, version, language, body, "
              "sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, "
              "strftime('%Y-%m-%dT%H:%M:%SZ'))");
  s.Bind(1, tenant).Bind(2, t.purpose_id).Bind(3, std::int64_t{t.version}).Bind(4, t.language);
  s.Bind(5, t.body).Bind(6, t.sha256);
  return s.Run();
}

Status SqliteTx::SaveConsent(core::TenantId tenant, const core::ConsentRecord& r) {
  Statement s(db_,
              "INSERT INTO consents (tenant_id, contact_id, purpose_id, source, "
              "purpose_name, granted_at, revoked_at, revocation_reason, text_version, "
              "text_sha256, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (tenant_id, contact_id, purpose_id) DO UPDATE SET "
              "source = excluded.source, purpose_name = excluded.purpose_name, "
              "granted_at = excluded.granted_at, revoked_at = excluded.revoked_at, "
              "revocation_reason = excluded.revocation_reason, "
              "text_version = excluded.text_version, text_sha256 = excluded.text_sha256, "
              "language = excluded.language");
  s.Bind(1, tenant).Bind(2, r.contact_id).Bind(3, r.purpose_id).Bind(4, r.source);
  s.Bind(5, r.purpose_name);
  BindOptionalText(s, 6, IsoOrNull(r.granted_at));
  BindOptionalText(s, 7, IsoOrNull(r.revoked_at));
  s.Bind(8, r.revocation_reason).Bind(9, std::int64_t{r.text_version}).Bind(10, r.text_sha256);
  s.Bind(11, r.language);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return RefreshListState(tenant, r.contact_id);  // contacts-list
}

Result<core::SearchProfileId> SqliteTx::InsertSearchProfile(const core::SearchProfile& p) {
  Statement s(db_,
              "INSERT INTO search_profiles (vermarktungsart, nutzungsart, objektart, "
              "objekttyp, land, plz, ort, radius_km, preis_von, preis_bis, "
              "wohnflaeche_von, wohnflaeche_bis, grundstuecksflaeche_von, "
              "grundstuecksflaeche_bis, zimmer_von, zimmer_bis, bemerkung, tenant_id, "
              "contact_id, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  BindProfile(s, p);
  s.Bind(18, p.tenant_id).Bind(19, p.contact_id).Bind(20, core::FormatIso(p.created_at));
  s.Bind(21, core::FormatIso(p.updated_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Status SqliteTx::UpdateSearchProfile(const core::SearchProfile& p) {
  Statement s(db_,
              "UPDATE search_profiles SET vermarktungsart = ?, nutzungsart = ?, "
              "objektart = ?, objekttyp = ?, land = ?, plz = ?, ort = ?, radius_km = ?, "
              "preis_von = ?, preis_bis = ?, wohnflaeche_von = ?, wohnflaeche_bis = ?, "
              "grundstuecksflaeche_von = ?, grundstuecksflaeche_bis = ?, zimmer_von = ?, "
              "zimmer_bis = ?, bemerkung = ?, updated_at = ? "
              "WHERE tenant_id = ? AND contact_id = ? AND id = ?");
  BindProfile(s, p);
  s.Bind(18, core::FormatIso(p.updated_at)).Bind(19, p.tenant_id).Bind(20, p.contact_id);
  s.Bind(21, p.id);
  return s.RunChanging("search profile " + std::to_string(p.id));
}

Status SqliteTx::DeleteSearchProfile(core::TenantId tenant, core::ContactId contact,
                                     core::SearchProfileId id) {
  Statement s(db_,
              "DELETE FROM search_profiles WHERE tenant_id = ? AND contact_id = ? "
              "AND id = ?");
  s.Bind(1, tenant).Bind(2, contact).Bind(3, id);
  return s.RunChanging("search profile " + std::to_string(id));
}

Result<core::ChainHead> SqliteTx::LockChainHead(core::TenantId tenant) {
  // The single writer connection already serialises all appends on SQLite.
  auto head = FindChainHead(tenant);
  if (!head) return head.error();
  return head->value_or(core::ChainHead{0, std::string(core::kGenesisHash)});
}

Status SqliteTx::AppendActivity(const core::Activity& a) {
  Statement ins(db_,
                "INSERT INTO activities (tenant_id, seq, contact_id, type, author_user_id, "
                "created_at, payload_sha256, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.Bind(1, a.tenant_id).Bind(2, a.seq).Bind(3, a.contact_id);
  ins.Bind(4, core::ActivityTypeName(a.type)).Bind(5, a.author_user_id);
  ins.Bind(6, core::FormatIso(a.created_at)).Bind(7, a.payload_sha256).Bind(8, a.prev_hash);
  ins.Bind(9, a.hash);
  CONSENTD_RETURN_IF_ERROR(ins.Run());
  core::ActivityId id = db_.LastInsertId();
  Statement payload(db_,
                    "INSERT INTO activity_payloads (activity_id, tenant_id, payload) "
                    "VALUES (?, ?, ?)");
  payload.Bind(1, id).Bind(2, a.tenant_id).Bind(3, a.payload);
  CONSENTD_RETURN_IF_ERROR(payload.Run());
  Statement head(db_,
                 "INSERT INTO chain_heads (tenant_id, seq, hash) VALUES (?, ?, ?) "
                 "ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, "
                 "hash = excluded.hash");
  head.Bind(1, a.tenant_id).Bind(2, a.seq).Bind(3, a.hash);
  return head.Run();
}

Result<core::LinkTokenId> SqliteTx::InsertLinkToken(const core::LinkToken& t) {
  Statement s(db_,
              "INSERT INTO link_tokens (tenant_id, contact_id, token_hash, mailing_id, "
              "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(1, t.tenant_id).Bind(2, t.contact_id).Bind(3, t.token_hash).Bind(4, t.mailing_id);
  s.Bind(5, core::FormatIso(t.created_at)).Bind(6, core::FormatIso(t.expires_at));
  CONSENTD_RETURN_IF_ERROR(s.Run());
  return db_.LastInsertId();
}

Result<std::int64_t> SqliteTx::InsertDeletionRequest(const core::DeletionRequest& d) {
  Statement s(db_,
              "INSERT INTO deletion_requests (tenant_id, contact_id, received_at, due_at, "
              "status, note) VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(1, d.tenant_id).Bind(2, d.contact_id).Bind(3, core::FormatIso(d.received_at));
  s.Bind(4, core::FormatIso(d.due_at)).Bind(5, d.status).Bind(6, d.note);
  CONSENTD_RETURN_IF_ERROR(s.Run());
  const std::int64_t id = db_.LastInsertId();
  CONSENTD_RETURN_IF_ERROR(RefreshListState(d.tenant_id, d.contact_id));  // contacts-list
  return id;
}

Status SqliteTx::SetDeletionRequestStatus(core::TenantId tenant, std::int64_t id,
                                          std::string_view status) {
  Statement s(db_, "UPDATE deletion_requests SET status = ? WHERE tenant_id = ? AND id = ?");
  s.Bind(1, status).Bind(2, tenant).Bind(3, id);
  CONSENTD_RETURN_IF_ERROR(s.RunChanging("deletion request " + std::to_string(id)));
  // contacts-list: the contact's state in the address list follows its open request.
  Statement contact(db_, "SELECT contact_id FROM deletion_requests WHERE tenant_id = ? AND id = ?");
  contact.Bind(1, tenant).Bind(2, id);
  if (!contact.Step()) return contact.status();
  return RefreshListState(tenant, contact.ColumnInt(0));
}

}  // namespace consentd::storage

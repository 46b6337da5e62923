#include "storage/postgres/pg_tx.h"

#include <algorithm>

#include "storage/contact_list_sql.h"
#include "storage/postgres/pg_rows.h"

namespace consentd::storage {

using core::Result;
using core::Status;
using namespace rows;  // NOLINT(google-build-using-namespace): this file's own helpers

PgTx::UnitStart PgTx::BeginUnit(bool wait, int units_left) {
  units_left_ = units_left;
  wait_always_ = wait;
  deferred_ = false;
  return {tenant_, heads_};
}

void PgTx::RollBackTo(UnitStart start) {
  // ROLLBACK TO SAVEPOINT restores consentd.tenant_id as it was when the unit began.
  tenant_ = start.tenant;
  heads_ = std::move(start.heads);
}

Status PgTx::Scope(core::TenantId tenant, bool lock_head) {
  const bool lock = mode_ == Mode::kWrite && lock_head && !heads_.contains(tenant);
  // Entered already; a unit that entered without the head (sessions, audit) and now needs
  // it goes on to lock it.
  if (tenant == tenant_ && tenant != 0 && !lock) return {};
  if (!lock) {
    // Answered with the statement it scopes.
    db_.Send("SELECT set_config('consentd.tenant_id', $1, true)",
             PgParams().Add(std::to_string(tenant)));
    tenant_ = tenant;
    return {};
  }
  const bool wait = wait_always_ || heads_.empty() || tenant > heads_.rbegin()->first;
  auto r = db_.Query("SELECT entered, seq, hash FROM consentd_enter_tenant_head($1, $2)",
                     PgParams().Add(tenant).Add(wait ? "true" : "false"));
  if (!r) return r.error();
  if (r->rows() != 1) return core::Internal("consentd_enter_tenant_head answered no row");
  const PgRow row = r->row(0);
  if (row.ColumnInt(0) == 0) {
    deferred_ = true;
    return core::Error{core::ErrorCode::kUnavailable,
                       "tenant " + std::to_string(tenant) + " is busy on another node"};
  }
  auto& head = heads_[tenant];  // locked; no head yet: LockChainHead creates it
  if (!row.ColumnIsNull(1)) {
    head = core::ChainHead{row.ColumnInt(1), row.ColumnText(2)};
    head_rows_[tenant] = head->seq;
  }
  tenant_ = tenant;
  return {};
}

Result<PgResult> PgTx::TenantQuery(core::TenantId tenant, const std::string& sql,
                                   const PgParams& params) {
  CONSENTD_RETURN_IF_ERROR(Scope(tenant));
  return db_.Query(sql, params);
}

Status PgTx::TenantSend(core::TenantId tenant, const std::string& sql, const PgParams& params,
                        bool lock_head) {
  CONSENTD_RETURN_IF_ERROR(Scope(tenant, lock_head));
  db_.Send(sql, params);
  return {};
}

namespace {

// A row of (seq, hash) from chain_heads.
core::ChainHead ReadChainHead(const PgRow& r) { return {r.ColumnInt(0), r.ColumnText(1)}; }

void AddExternalId(PgParams& params, const core::Contact& c) {
  if (auto id = ExternalIdOrNull(c)) {
    params.Add(*id);
  } else {
    params.AddNull();
  }
}

// The address list's folded search and sort keys of the contact (core/search_key.h).
void AddListKeys(PgParams& params, const core::ContactData& data) {
  params.Add(core::ContactSearchKey(data))
      .Add(core::ContactSortName(data))
      .Add(core::ContactSortOrt(data));
}

// Binds the profile's fields from vermarktungsart to bemerkung ($1..$17).
PgParams ProfileParams(const core::SearchProfile& p) {
  PgParams params;
  params.Add(p.vermarktungsart).Add(p.nutzungsart).Add(p.objektart).Add(p.objekttyp);
  params.Add(p.land).Add(p.plz).Add(p.ort).Add(p.radius_km).Add(p.preis_von).Add(p.preis_bis);
  params.Add(p.wohnflaeche_von).Add(p.wohnflaeche_bis).Add(p.grundstuecksflaeche_von);
  params.Add(p.grundstuecksflaeche_bis).Add(p.zimmer_von).Add(p.zimmer_bis).Add(p.bemerkung);
  return params;
}

}  // namespace

// ---------------------------------------------------------------- reads

Result<core::Tenant> PgTx::FindTenant(core::TenantId id) {
  return OneOrNotFound(
      TenantQuery(id, Select(kTenantColumns, "FROM tenants WHERE id = $1"), PgParams().Add(id)),
      ReadTenant<PgRow>, "tenant");
}

Result<core::Tenant> PgTx::FindTenantBySlug(std::string_view slug) {
  return OneOrNotFound(
      db_.Query(Select(kTenantColumns, "FROM consentd_tenant_by_slug($1)"), PgParams().Add(slug)),
      ReadTenant<PgRow>, "tenant");
}

Result<std::vector<core::Tenant>> PgTx::ListTenants() {
  return AllRows(db_.Query(Select(kTenantColumns, "FROM consentd_tenants()")), ReadTenant<PgRow>);
}

Result<core::User> PgTx::FindSystemUser(core::TenantId tenant) {
  return OneOrNotFound(
      TenantQuery(tenant,
                  Select(kUserColumns, "FROM users WHERE tenant_id = $1 AND role = 'system'"),
                  PgParams().Add(tenant)),
      ReadUser<PgRow>, "system user");
}

Result<core::User> PgTx::FindUserByEmail(core::TenantId tenant, std::string_view email) {
  return OneOrNotFound(
      TenantQuery(
          tenant,
          Select(kUserColumns, "FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)"),
          PgParams().Add(tenant).Add(email)),
      ReadUser<PgRow>, "user");
}

Result<core::Contact> PgTx::FindContact(core::TenantId tenant, core::ContactId id) {
  return OneOrNotFound(
      TenantQuery(tenant, Select(kContactColumns, "FROM contacts WHERE tenant_id = $1 AND id = $2"),
                  PgParams().Add(tenant).Add(id)),
      ReadContact<PgRow>, "contact " + std::to_string(id));
}

Result<core::Contact> PgTx::FindContactByEmail(core::TenantId tenant, std::string_view email) {
  return OneOrNotFound(
      TenantQuery(tenant, Select(kContactColumns, ContactByEmailFromSql(SqlDialect::kPostgres)),
                  PgParams().Add(tenant).Add(email)),
      ReadContact<PgRow>, "contact");
}

Result<std::vector<core::Contact>> PgTx::ListContacts(core::TenantId tenant,
                                                      core::ContactId after_id, int limit) {
  return AllRows(TenantQuery(tenant,
                             Select(kContactColumns,
                                    "FROM contacts WHERE tenant_id = $1 AND id > $2 "
                                    "AND erased_at IS NULL ORDER BY id LIMIT $3"),
                             PgParams().Add(tenant).Add(after_id).Add(std::int64_t{limit})),
                 ReadContact<PgRow>);
}

Result<core::ConsentPurpose> PgTx::FindPurpose(core::TenantId tenant, std::string_view key) {
  auto read = [](const PgRow& r) {
    return core::ConsentPurpose{r.ColumnInt(0), r.ColumnInt(1), r.ColumnText(2), r.ColumnText(3)};
  };
  return OneOrNotFound<core::ConsentPurpose>(
      TenantQuery(tenant,
                  "SELECT id, tenant_id, key, name FROM consent_purposes "
                  "WHERE tenant_id = $1 AND key = $2",
                  PgParams().Add(tenant).Add(key)),
      read, "purpose");
}

Result<core::ConsentText> PgTx::CurrentText(core::TenantId tenant, core::PurposeId purpose,
                                            std::string_view language) {
  auto read = [](const PgRow& r) {
    return core::ConsentText{r.ColumnInt(0), static_cast<int>(r.ColumnInt(1)), r.ColumnText(2),
                             r.ColumnText(3), r.ColumnText(4)};
  };
  return OneOrNotFound<core::ConsentText>(
      TenantQuery(tenant,
                  "SELECT purpose_id, version, language, body, sha256 FROM consent_texts "
                  "WHERE tenant_id = $1 AND purpose_id = $2 AND language = $3 "
                  "ORDER BY version DESC LIMIT 1",
                  PgParams().Add(tenant).Add(purpose).Add(language)),
      read, "consent text");
}

Result<std::optional<core::ConsentRecord>> PgTx::FindConsent(core::TenantId tenant,
                                                             core::ContactId contact,
                                                             core::PurposeId purpose) {
  return OneOrNone(TenantQuery(tenant,
                               Select(kConsentColumns,
                                      "FROM consents WHERE tenant_id = $1 AND contact_id = $2 "
                                      "AND purpose_id = $3"),
                               PgParams().Add(tenant).Add(contact).Add(purpose)),
                   ReadConsent<PgRow>);
}

Result<std::vector<core::ConsentRecord>> PgTx::ListConsents(core::TenantId tenant,
                                                            core::ContactId contact) {
  return AllRows(TenantQuery(tenant,
                             Select(kConsentColumns,
                                    "FROM consents WHERE tenant_id = $1 AND contact_id = $2 "
                                    "ORDER BY purpose_id"),
                             PgParams().Add(tenant).Add(contact)),
                 ReadConsent<PgRow>);
}

Result<std::vector<core::SearchProfile>> PgTx::ListSearchProfiles(core::TenantId tenant,
                                                                  core::ContactId contact) {
  return AllRows(TenantQuery(tenant,
                             Select(kProfileColumns,
                                    "FROM search_profiles WHERE tenant_id = $1 "
                                    "AND contact_id = $2 ORDER BY id"),
                             PgParams().Add(tenant).Add(contact)),
                 ReadProfile<PgRow>);
}

Result<std::vector<core::Activity>> PgTx::ListActivities(core::TenantId tenant,
                                                         core::ContactId contact) {
  return AllRows(TenantQuery(tenant,
                             std::string(kActivitySelect) +
                                 "WHERE a.tenant_id = $1 AND a.contact_id = $2 ORDER BY a.seq",
                             PgParams().Add(tenant).Add(contact)),
                 ReadActivity<PgRow>);
}

Result<std::vector<core::Activity>> PgTx::ListChain(core::TenantId tenant, std::int64_t after_seq,
                                                    int limit) {
  return AllRows(TenantQuery(tenant,
                             std::string(kActivitySelect) +
                                 "WHERE a.tenant_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3",
                             PgParams().Add(tenant).Add(after_seq).Add(std::int64_t{limit})),
                 ReadActivity<PgRow>);
}

Result<std::optional<core::ChainHead>> PgTx::FindChainHead(core::TenantId tenant) {
  return OneOrNone<core::ChainHead>(
      TenantQuery(tenant, "SELECT seq, hash FROM chain_heads WHERE tenant_id = $1",
                  PgParams().Add(tenant)),
      ReadChainHead);
}

Result<core::LinkToken> PgTx::FindLinkToken(std::string_view token_hash) {
  return OneOrNotFound(db_.Query(Select(kTokenColumns, "FROM consentd_find_link_token($1)"),
                                 PgParams().Add(token_hash)),
                       ReadToken<PgRow>, "link");
}

Result<std::optional<core::DeletionRequest>> PgTx::FindOpenDeletionRequest(
    core::TenantId tenant, core::ContactId contact) {
  return OneOrNone(TenantQuery(tenant,
                               Select(kDeletionRequestColumns,
                                      "FROM deletion_requests WHERE tenant_id = $1 "
                                      "AND contact_id = $2 AND status = 'open'"),
                               PgParams().Add(tenant).Add(contact)),
                   ReadDeletionRequest<PgRow>);
}

Result<std::string> PgTx::ServerSecret() {
  return OneOrNotFound<std::string>(
      db_.Query("SELECT value FROM server_secrets WHERE name = 'csrf'"),
      [](const PgRow& r) { return r.ColumnText(0); }, "server secret");
}

// ---------------------------------------------------------------- writes

Result<core::TenantId> PgTx::InsertTenant(const core::Tenant& t) {
  // The id is drawn first, so the row can be written under its own tenant scope.
  auto id = ReturnedId(db_.Query("SELECT nextval(pg_get_serial_sequence('tenants', 'id'))"));
  if (!id) return id.error();
  const auto& c = t.controller;
  PgParams params;
  params.Add(*id).Add(t.slug).Add(c.company).Add(c.street).Add(c.postal_code).Add(c.city);
  params.Add(c.country).Add(c.email).Add(c.phone).Add(c.privacy_url).Add(c.imprint_url);
  params.Add(t.sender_email).Add(t.sender_name).Add(t.signature).Add(t.smtp.url);
  params.Add(t.smtp.username).Add(t.smtp.password);
  CONSENTD_RETURN_IF_ERROR(Scope(*id, /*lock_head=*/false));
  auto r = db_.Query(
      "INSERT INTO tenants (id, slug, company, street, postal_code, city, "
      "country, email, phone, privacy_url, imprint_url, sender_email, "
      "sender_name, signature, smtp_url, smtp_username, smtp_password, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
      "$13, $14, $15, $16, $17, date_trunc('second', now()))",
      params);
  if (!r) return r.error();
  auto head = db_.Query("INSERT INTO chain_heads (tenant_id, seq, hash) VALUES ($1, 0, $2)",
                        PgParams().Add(*id).Add(core::kGenesisHash));
  if (!head) return head.error();
  // An inserted row is this transaction's until it ends.
  heads_[*id] = core::ChainHead{0, std::string(core::kGenesisHash)};
  return *id;
}

Result<core::UserId> PgTx::InsertUser(const core::User& u) {
  return ReturnedId(TenantQuery(
      u.tenant_id,
      "INSERT INTO users (tenant_id, email, name, role, password_hash, active, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, date_trunc('second', now())) RETURNING id",
      PgParams()
          .Add(u.tenant_id)
          .Add(u.email)
          .Add(u.name)
          .Add(core::RoleName(u.role))
          .Add(u.password_hash)
          .Add(u.active ? "true" : "false")));
}

Result<core::ContactId> PgTx::InsertContact(const core::Contact& c) {
  CONSENTD_RETURN_IF_ERROR(Scope(c.tenant_id));
  std::vector<core::ContactId>& ids = contact_ids_[c.tenant_id];
  if (ids.empty()) {
    // Enough for the units left in the batch to insert one each, up to 16 (a batch of consent
    // acts with one create leaves a small gap, not one of hundreds). Drawn after the
    // tenant's chain head is locked, so a tenant's contact ids still follow its commits
    // across nodes.
    constexpr int kMaxDraw = 16;
    auto drawn = db_.Query(
        "SELECT nextval(s) FROM pg_get_serial_sequence('contacts', 'id') s, "
        "generate_series(1, $1)",
        PgParams().Add(std::int64_t{std::clamp(units_left_, 1, kMaxDraw)}));
    if (!drawn) return drawn.error();
    for (int i = drawn->rows() - 1; i >= 0; --i) ids.push_back(drawn->row(i).ColumnInt(0));
  }
  const core::ContactId id = ids.back();
  ids.pop_back();
  PgParams params;
  params.Add(id).Add(c.tenant_id);
  for (const auto& f : core::kContactFields) params.Add(c.data.*f.member);
  params.Add(core::LegalBasisKey(c.legal_basis)).Add(c.created_at).Add(c.updated_at);
  AddExternalId(params, c);
  AddListKeys(params, c.data);
  // Sent without waiting: a taken e-mail address or external id fails the unit (kConflict)
  // when it ends (core::WriteTx).
  db_.Send(
      "INSERT INTO contacts (id, tenant_id, anrede, titel, vorname, nachname, firma, email, "
      "telefon, mobil, strasse, hausnummer, plz, ort, land, sprache, kontaktart, legal_basis, "
      "created_at, updated_at, external_id, search_key, sort_name, sort_ort) VALUES ($1, $2, "
      "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, "
      "$22, $23, $24)",
      params);
  return id;
}

Status PgTx::UpdateContact(const core::Contact& c) {
  PgParams params;
  for (const auto& f : core::kContactFields) params.Add(c.data.*f.member);
  params.Add(core::LegalBasisKey(c.legal_basis)).Add(c.updated_at);
  AddExternalId(params, c);
  AddListKeys(params, c.data);
  params.Add(c.tenant_id).Add(c.id);
  return ChangedOrNotFound(
      TenantQuery(c.tenant_id,
                  "UPDATE contacts SET anrede = $1, titel = $2, vorname = $3, nachname = $4, "
                  "firma = $5, email = $6, telefon = $7, mobil = $8, strasse = $9, "
                  "hausnummer = $10, plz = $11, ort = $12, land = $13, sprache = $14, "
                  "kontaktart = $15, legal_basis = $16, updated_at = $17, external_id = $18, "
                  "search_key = $19, sort_name = $20, sort_ort = $21 "
                  "WHERE tenant_id = $22 AND id = $23 AND erased_at IS NULL",
                  params),
      "contact " + std::to_string(c.id));
}

Result<core::PurposeId> PgTx::InsertPurpose(const core::ConsentPurpose& p) {
  return ReturnedId(TenantQuery(p.tenant_id,
                                "INSERT INTO consent_purposes (tenant_id, key, name) "
                                "VALUES ($1, $2, $3) RETURNING id",
                                PgParams().Add(p.tenant_id).Add(p.key).Add(p.name)));
}

Status PgTx::InsertConsentText(core::TenantId tenant, const core::ConsentText& t) {
  return Ran(TenantQuery(tenant,
                         "INSERT INTO consent_texts (tenant_id, purpose_id, version, language, "
                         "body, sha256, created_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, date_trunc('second', now()))",
                         PgParams()
                             .Add(tenant)
                             .Add(t.purpose_id)
                             .Add(std::int64_t{t.version})
                             .Add(t.language)
                             .Add(t.body)
                             .Add(t.sha256)));
}

Status PgTx::SaveConsent(core::TenantId tenant, const core::ConsentRecord& r) {
  PgParams params;
  params.Add(tenant).Add(r.contact_id).Add(r.purpose_id).Add(r.source).Add(r.purpose_name);
  params.Add(r.granted_at).Add(r.revoked_at).Add(r.revocation_reason);
  params.Add(std::int64_t{r.text_version}).Add(r.text_sha256).Add(r.language);
  CONSENTD_RETURN_IF_ERROR(TenantSend(
      tenant,
      "INSERT INTO consents (tenant_id, contact_id, purpose_id, source, purpose_name, "
      "granted_at, revoked_at, revocation_reason, text_version, text_sha256, language) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
      "ON CONFLICT (tenant_id, contact_id, purpose_id) DO UPDATE SET "
      "source = excluded.source, purpose_name = excluded.purpose_name, "
      "granted_at = excluded.granted_at, revoked_at = excluded.revoked_at, "
      "revocation_reason = excluded.revocation_reason, text_version = excluded.text_version, "
      "text_sha256 = excluded.text_sha256, language = excluded.language",
      params));
  return RefreshListState(tenant, r.contact_id);  // contacts-list
}

Result<core::SearchProfileId> PgTx::InsertSearchProfile(const core::SearchProfile& p) {
  PgParams params = ProfileParams(p);
  params.Add(p.tenant_id).Add(p.contact_id).Add(p.created_at).Add(p.updated_at);
  return ReturnedId(TenantQuery(
      p.tenant_id,
      "INSERT INTO search_profiles (vermarktungsart, nutzungsart, objektart, objekttyp, land, "
      "plz, ort, radius_km, preis_von, preis_bis, wohnflaeche_von, wohnflaeche_bis, "
      "grundstuecksflaeche_von, grundstuecksflaeche_bis, zimmer_von, zimmer_bis, bemerkung, "
      "tenant_id, contact_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
      "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id",
      params));
}

Status PgTx::UpdateSearchProfile(const core::SearchProfile& p) {
  PgParams params = ProfileParams(p);
  params.Add(p.updated_at).Add(p.tenant_id).Add(p.contact_id).Add(p.id);
  return ChangedOrNotFound(
      TenantQuery(p.tenant_id,
                  "UPDATE search_profiles SET vermarktungsart = $1, nutzungsart = $2, "
                  "objektart = $3, objekttyp = $4, land = $5, plz = $6, ort = $7, "
                  "radius_km = $8, preis_von = $9, preis_bis = $10, wohnflaeche_von = $11, "
                  "wohnflaeche_bis = $12, grundstuecksflaeche_von = $13, "
                  "grundstuecksflaeche_bis = $14, zimmer_von = $15, zimmer_bis = $16, "
                  "bemerkung = $17, updated_at = $18 "
                  "WHERE tenant_id = $19 AND contact_id = $20 AND id = $21",
                  params),
      "search profile " + std::to_string(p.id));
}

Status PgTx::DeleteSearchProfile(core::TenantId tenant, core::ContactId contact,
                                 core::SearchProfileId id) {
  return ChangedOrNotFound(
      TenantQuery(tenant,
                  "DELETE FROM search_profiles WHERE tenant_id = $1 AND contact_id = $2 "
                  "AND id = $3",
                  PgParams().Add(tenant).Add(contact).Add(id)),
      "search profile " + std::to_string(id));
}

Result<core::ChainHead> PgTx::LockChainHead(core::TenantId tenant) {
  // The row lock is held until the transaction ends: appends of one tenant from any node
  // take turns, so the chain never forks.
  CONSENTD_RETURN_IF_ERROR(Scope(tenant));
  if (auto known = heads_.find(tenant); known != heads_.end() && known->second) {
    return *known->second;
  }
  const std::string lock = "SELECT seq, hash FROM chain_heads WHERE tenant_id = $1 FOR UPDATE";
  auto head = OneOrNone<core::ChainHead>(db_.Query(lock, PgParams().Add(tenant)), ReadChainHead);
  if (!head) return head.error();
  if (!*head) {
    auto created = db_.Query(
        "INSERT INTO chain_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING",
        PgParams().Add(tenant).Add(core::kGenesisHash));
    if (!created) return created.error();
    head = OneOrNone<core::ChainHead>(db_.Query(lock, PgParams().Add(tenant)), ReadChainHead);
    if (!head) return head.error();
    if (!*head) return core::NotFound("chain head");
  }
  heads_[tenant] = **head;
  head_rows_[tenant] = (*head)->seq;
  return **head;
}

Status PgTx::WriteChainHeads() {
  for (const auto& [tenant, head] : heads_) {
    auto row = head_rows_.find(tenant);
    if (!head || row == head_rows_.end() || row->second == head->seq) continue;
    CONSENTD_RETURN_IF_ERROR(
        TenantSend(tenant, "SELECT consentd_set_chain_head($1, $2, $3, $4)",
                   PgParams().Add(tenant).Add(row->second).Add(head->seq).Add(head->hash)));
  }
  return {};
}

// The activity and its payload in one call, sent without waiting; it checks that the
// activity follows the head (migrations/postgres/0018_chain_head_per_batch.sql), whose row
// WriteChainHeads moves when the batch ends.
Status PgTx::AppendActivity(const core::Activity& a) {
  CONSENTD_RETURN_IF_ERROR(TenantSend(a.tenant_id,
                                      "SELECT consentd_append_activity($1, $2, $3, $4, $5, $6, "
                                      "$7, $8, $9, $10)",
                                      PgParams()
                                          .Add(a.tenant_id)
                                          .Add(a.seq)
                                          .Add(a.contact_id)
                                          .Add(core::ActivityTypeName(a.type))
                                          .Add(a.author_user_id)
                                          .Add(a.created_at)
                                          .Add(a.payload_sha256)
                                          .Add(a.prev_hash)
                                          .Add(a.hash)
                                          .Add(a.payload)));
  heads_[a.tenant_id] = core::ChainHead{a.seq, a.hash};
  return {};
}

Result<core::LinkTokenId> PgTx::InsertLinkToken(const core::LinkToken& t) {
  return ReturnedId(TenantQuery(t.tenant_id,
                                "INSERT INTO link_tokens (tenant_id, contact_id, token_hash, "
                                "mailing_id, created_at, expires_at) "
                                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                PgParams()
                                    .Add(t.tenant_id)
                                    .Add(t.contact_id)
                                    .Add(t.token_hash)
                                    .Add(t.mailing_id)
                                    .Add(t.created_at)
                                    .Add(t.expires_at)));
}

Result<std::int64_t> PgTx::InsertDeletionRequest(const core::DeletionRequest& d) {
  auto id = ReturnedId(TenantQuery(d.tenant_id,
                                   "INSERT INTO deletion_requests (tenant_id, contact_id, "
                                   "received_at, due_at, status, note) "
                                   "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                   PgParams()
                                       .Add(d.tenant_id)
                                       .Add(d.contact_id)
                                       .Add(d.received_at)
                                       .Add(d.due_at)
                                       .Add(d.status)
                                       .Add(d.note)));
  if (!id) return id;
  CONSENTD_RETURN_IF_ERROR(RefreshListState(d.tenant_id, d.contact_id));  // contacts-list
  return id;
}

Status PgTx::SetDeletionRequestStatus(core::TenantId tenant, std::int64_t id,
                                      std::string_view status) {
  // contacts-list: RETURNING the contact, whose state in the address list follows its open
  // request.
  auto r = TenantQuery(tenant,
                       "UPDATE deletion_requests SET status = $1 WHERE tenant_id = $2 AND id = $3 "
                       "RETURNING contact_id",
                       PgParams().Add(status).Add(tenant).Add(id));
  if (!r) return r.error();
  if (r->rows() == 0)
    return core::NotFound("deletion request " + std::to_string(id) + " not found");
  return RefreshListState(tenant, r->row(0).ColumnInt(0));
}

}  // namespace consentd::storage

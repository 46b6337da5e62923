// Column lists and row readers shared by the SQLite and PostgreSQL stores. Both select the
// same columns in the same order, so one reader per type serves both. `Row` is any type
// with ColumnText, ColumnInt, ColumnOptionalInt, ColumnOptionalText and ColumnIsNull
// (storage::Statement, storage::PgRow). Internal to storage/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/activity.h"
#include "core/consent.h"
#include "core/contact.h"
#include "core/deletion_request.h"
#include "core/email_change.h"
#include "core/link_token.h"
#include "core/mail_template.h"
#include "core/mailing.h"
#include "core/search_profile.h"
#include "core/tenant.h"
#include "core/time.h"

namespace consentd::storage::rows {

// A stored time: SQLite keeps core::FormatIso text ("2026-11-30T10:00:00Z"); PostgreSQL
// prints timestamptz in UTC as "2026-11-30 10:00:00+00" (fractions of a second ignored).
// Anything else, NULL or empty is "none".
std::optional<core::Time> ParseStoredTime(std::string_view text);

inline core::Time TimeOf(const std::string& text) {
  return ParseStoredTime(text).value_or(core::Time{});
}
inline std::optional<core::Time> OptionalTimeOf(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return ParseStoredTime(*text);
}

// "SELECT <columns> <rest>".
inline std::string Select(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

// ---- tenants and users ----

inline constexpr std::string_view kTenantColumns =
    "id, slug, company, street, postal_code, city, country, email, phone, privacy_url, "
    "imprint_url, sender_email, sender_name, signature, smtp_url, smtp_username, "
    "smtp_password";

template <typename Row>
core::Tenant ReadTenant(const Row& s) {
  core::Tenant t;
  t.id = s.ColumnInt(0);
  t.slug = s.ColumnText(1);
  auto& c = t.controller;
  c.company = s.ColumnText(2);
  c.street = s.ColumnText(3);
  c.postal_code = s.ColumnText(4);
  c.city = s.ColumnText(5);
  c.country = s.ColumnText(6);
  c.email = s.ColumnText(7);
  c.phone = s.ColumnText(8);
  c.privacy_url = s.ColumnText(9);
  c.imprint_url = s.ColumnText(10);
  t.sender_email = s.ColumnText(11);
  t.sender_name = s.ColumnText(12);
  t.signature = s.ColumnText(13);
  t.smtp = {s.ColumnText(14), s.ColumnText(15), s.ColumnText(16)};
  return t;
}

inline constexpr std::string_view kUserColumns =
    "id, tenant_id, email, name, role, password_hash, active";

template <typename Row>
core::User ReadUser(const Row& s) {
  core::User u;
  u.id = s.ColumnInt(0);
  u.tenant_id = s.ColumnInt(1);
  u.email = s.ColumnText(2);
  u.name = s.ColumnText(3);
  u.role = core::ParseRole(s.ColumnText(4)).value_or(core::Role::kBroker);
  u.password_hash = s.ColumnText(5);
  u.active = s.ColumnInt(6) != 0;
  return u;
}

// ---- contacts ----

inline constexpr std::string_view kContactColumns =
    "id, tenant_id, anrede, titel, vorname, nachname, firma, email, telefon, mobil, strasse, "
    "hausnummer, plz, ort, land, sprache, kontaktart, legal_basis, created_at, updated_at, "
    "erased_at, external_id";
// NULL for "no CRM id", so the unique index holds only real ids.
inline std::optional<std::string> ExternalIdOrNull(const core::Contact& c) {
  if (c.external_id.empty()) return std::nullopt;
  return c.external_id;
}
// How many columns kContactColumns names (queries that select more read them from here).
inline constexpr int kContactColumnCount = 22;

template <typename Row>
core::Contact ReadContact(const Row& s) {
  constexpr int kFirstDataColumn = 2;  // kContactFields in order from here
  core::Contact c;
  c.id = s.ColumnInt(0);
  c.tenant_id = s.ColumnInt(1);
  int col = kFirstDataColumn;
  for (const auto& f : core::kContactFields) c.data.*f.member = s.ColumnText(col++);
  c.legal_basis = core::ParseLegalBasis(s.ColumnText(col++)).value_or(core::LegalBasis::kNone);
  c.created_at = TimeOf(s.ColumnText(col++));
  c.updated_at = TimeOf(s.ColumnText(col++));
  c.erased = !s.ColumnIsNull(col++);
  c.external_id = s.ColumnOptionalText(col).value_or("");
  return c;
}

// ---- consents ----

inline constexpr std::string_view kConsentColumns =
    "contact_id, purpose_id, source, purpose_name, granted_at, revoked_at, revocation_reason, "
    "text_version, text_sha256, language";

template <typename Row>
core::ConsentRecord ReadConsent(const Row& s) {
  core::ConsentRecord r;
  r.contact_id = s.ColumnInt(0);
  r.purpose_id = s.ColumnInt(1);
  r.source = s.ColumnText(2);
  r.purpose_name = s.ColumnText(3);
  r.granted_at = OptionalTimeOf(s.ColumnOptionalText(4));
  r.revoked_at = OptionalTimeOf(s.ColumnOptionalText(5));
  r.revocation_reason = s.ColumnText(6);
  r.text_version = static_cast<int>(s.ColumnInt(7));
  r.text_sha256 = s.ColumnText(8);
  r.language = s.ColumnText(9);
  return r;
}

// ---- search profiles ----

inline constexpr std::string_view kProfileColumns =
    "id, tenant_id, contact_id, vermarktungsart, nutzungsart, objektart, objekttyp, land, plz, "
    "ort, radius_km, preis_von, preis_bis, wohnflaeche_von, wohnflaeche_bis, "
    "grundstuecksflaeche_von, grundstuecksflaeche_bis, zimmer_von, zimmer_bis, bemerkung, "
    "created_at, updated_at";

template <typename Row>
core::SearchProfile ReadProfile(const Row& s) {
  core::SearchProfile p;
  p.id = s.ColumnInt(0);
  p.tenant_id = s.ColumnInt(1);
  p.contact_id = s.ColumnInt(2);
  p.vermarktungsart = s.ColumnText(3);
  p.nutzungsart = s.ColumnText(4);
  p.objektart = s.ColumnText(5);
  p.objekttyp = s.ColumnText(6);
  p.land = s.ColumnText(7);
  p.plz = s.ColumnText(8);
  p.ort = s.ColumnText(9);
  p.radius_km = s.ColumnOptionalInt(10);
  p.preis_von = s.ColumnOptionalInt(11);
  p.preis_bis = s.ColumnOptionalInt(12);
  p.wohnflaeche_von = s.ColumnOptionalInt(13);
  p.wohnflaeche_bis = s.ColumnOptionalInt(14);
  p.grundstuecksflaeche_von = s.ColumnOptionalInt(15);
  p.grundstuecksflaeche_bis = s.ColumnOptionalInt(16);
  p.zimmer_von = s.ColumnOptionalInt(17);
  p.zimmer_bis = s.ColumnOptionalInt(18);
  p.bemerkung = s.ColumnText(19);
  p.created_at = TimeOf(s.ColumnText(20));
  p.updated_at = TimeOf(s.ColumnText(21));
  return p;
}

// ---- activities ----

inline constexpr std::string_view kActivitySelect =
    "SELECT a.id, a.tenant_id, a.seq, a.contact_id, a.type, a.author_user_id, a.created_at, "
    "COALESCE(p.payload, ''), a.payload_sha256, a.prev_hash, a.hash "
    "FROM activities a LEFT JOIN activity_payloads p "
    "ON p.tenant_id = a.tenant_id AND p.activity_id = a.id ";

template <typename Row>
core::Activity ReadActivity(const Row& s) {
  core::Activity a;
  a.id = s.ColumnInt(0);
  a.tenant_id = s.ColumnInt(1);
  a.seq = s.ColumnInt(2);
  a.contact_id = s.ColumnInt(3);
  a.type = core::ParseActivityType(s.ColumnText(4)).value_or(core::ActivityType::kEinwilligung);
  a.author_user_id = s.ColumnInt(5);
  a.created_at = TimeOf(s.ColumnText(6));
  a.payload = s.ColumnText(7);
  a.payload_sha256 = s.ColumnText(8);
  a.prev_hash = s.ColumnText(9);
  a.hash = s.ColumnText(10);
  return a;
}

// ---- tokens, deletion requests, e-mail changes ----

inline constexpr std::string_view kTokenColumns =
    "id, tenant_id, contact_id, token_hash, mailing_id, created_at, expires_at, revoked_at";

template <typename Row>
core::LinkToken ReadToken(const Row& s) {
  core::LinkToken t;
  t.id = s.ColumnInt(0);
  t.tenant_id = s.ColumnInt(1);
  t.contact_id = s.ColumnInt(2);
  t.token_hash = s.ColumnText(3);
  t.mailing_id = s.ColumnOptionalInt(4);
  t.created_at = TimeOf(s.ColumnText(5));
  t.expires_at = TimeOf(s.ColumnText(6));
  t.revoked_at = OptionalTimeOf(s.ColumnOptionalText(7));
  return t;
}

inline constexpr std::string_view kDeletionRequestColumns =
    "id, tenant_id, contact_id, received_at, due_at, status, note";

template <typename Row>
core::DeletionRequest ReadDeletionRequest(const Row& s) {
  core::DeletionRequest d;
  d.id = s.ColumnInt(0);
  d.tenant_id = s.ColumnInt(1);
  d.contact_id = s.ColumnInt(2);
  d.received_at = TimeOf(s.ColumnText(3));
  d.due_at = TimeOf(s.ColumnText(4));
  d.status = s.ColumnText(5);
  d.note = s.ColumnText(6);
  return d;
}

inline constexpr std::string_view kEmailChangeColumns =
    "id, tenant_id, contact_id, new_email, token_hash, created_at, expires_at, confirmed_at";

template <typename Row>
core::EmailChange ReadEmailChange(const Row& s) {
  core::EmailChange c;
  c.id = s.ColumnInt(0);
  c.tenant_id = s.ColumnInt(1);
  c.contact_id = s.ColumnInt(2);
  c.new_email = s.ColumnText(3);
  c.token_hash = s.ColumnText(4);
  c.created_at = TimeOf(s.ColumnText(5));
  c.expires_at = TimeOf(s.ColumnText(6));
  c.confirmed_at = OptionalTimeOf(s.ColumnOptionalText(7));
  return c;
}

// ---- templates, mailings, messages ----

inline constexpr std::string_view kTemplateColumns =
    "id, tenant_id, key, language, name, subject, body_text, body_html, updated_at";

template <typename Row>
core::MailTemplate ReadTemplate(const Row& s) {
  core::MailTemplate t;
  t.id = s.ColumnInt(0);
  t.tenant_id = s.ColumnInt(1);
  t.key = s.ColumnText(2);
  t.language = s.ColumnText(3);
  t.name = s.ColumnText(4);
  t.subject = s.ColumnText(5);
  t.body_text = s.ColumnText(6);
  t.body_html = s.ColumnText(7);
  t.updated_at = TimeOf(s.ColumnText(8));
  return t;
}

inline constexpr std::string_view kMailingColumns =
    "id, tenant_id, template_key, language, subject, body_text, body_html, state, created_by, "
    "created_at, selection, lawful_confirmation";

template <typename Row>
core::Mailing ReadMailing(const Row& s) {
  core::Mailing m;
  m.id = s.ColumnInt(0);
  m.tenant_id = s.ColumnInt(1);
  m.template_key = s.ColumnText(2);
  m.language = s.ColumnText(3);
  m.subject = s.ColumnText(4);
  m.body_text = s.ColumnText(5);
  m.body_html = s.ColumnText(6);
  m.state = core::ParseMailingState(s.ColumnText(7)).value_or(core::MailingState::kDone);
  m.created_by = s.ColumnInt(8);
  m.created_at = TimeOf(s.ColumnText(9));
  m.selection = s.ColumnText(10);
  m.lawful_confirmation = s.ColumnText(11);
  return m;
}

inline constexpr std::string_view kMessageColumns =
    "id, tenant_id, mailing_id, kind, contact_id, link_token_id, state, skip_reason, "
    "to_address, to_name, subject, body_text, body_html, unsubscribe_url, attempts, "
    "next_attempt_at, lease_until, message_id, smtp_reply, created_at, sent_at";

template <typename Row>
core::Message ReadMessage(const Row& s) {
  core::Message m;
  m.id = s.ColumnInt(0);
  m.tenant_id = s.ColumnInt(1);
  m.mailing_id = s.ColumnOptionalInt(2);
  m.kind = core::ParseMessageKind(s.ColumnText(3)).value_or(core::MessageKind::kMailing);
  m.contact_id = s.ColumnInt(4);
  m.link_token_id = s.ColumnOptionalInt(5);
  m.state = core::ParseMessageState(s.ColumnText(6)).value_or(core::MessageState::kFailed);
  m.skip_reason = s.ColumnText(7);
  m.to_address = s.ColumnText(8);
  m.to_name = s.ColumnText(9);
  m.subject = s.ColumnText(10);
  m.body_text = s.ColumnText(11);
  m.body_html = s.ColumnText(12);
  m.unsubscribe_url = s.ColumnText(13);
  m.attempts = static_cast<int>(s.ColumnInt(14));
  m.next_attempt_at = OptionalTimeOf(s.ColumnOptionalText(15));
  m.lease_until = OptionalTimeOf(s.ColumnOptionalText(16));
  m.message_id = s.ColumnText(17);
  m.smtp_reply = s.ColumnText(18);
  m.created_at = TimeOf(s.ColumnText(19));
  m.sent_at = OptionalTimeOf(s.ColumnOptionalText(20));
  return m;
}

// The consent-state condition of a contact selection ("all", "none", "granted",
// "withdrawn", "deletion_requested") over contacts c, consents k (of the purpose, LEFT
// JOINed) and open deletion requests d (LEFT JOINed); empty for an unknown filter.
std::string ConsentStateCondition(std::string_view filter);

}  // namespace consentd::storage::rows

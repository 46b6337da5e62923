#include "app/delivery.h"

#include <nlohmann/json.hpp>

#include "app/evidence.h"

namespace consentd::app {

using core::Result;
using core::Status;

namespace {

core::OutgoingMail MailOf(const core::Message& m, const core::Tenant& t, core::Time now) {
  core::OutgoingMail mail;
  mail.from_address = t.sender_email.empty() ? t.controller.email : t.sender_email;
  mail.from_name = t.sender_name.empty() ? t.controller.company : t.sender_name;
  mail.reply_to = t.controller.email == mail.from_address ? "" : t.controller.email;
  mail.to_address = m.to_address;
  mail.to_name = m.to_name;
  mail.subject = m.subject;
  mail.text_body = m.body_text;
  mail.html_body = m.body_html;
  mail.message_id = m.message_id;
  mail.list_unsubscribe_url = m.unsubscribe_url;
  mail.date = now;
  return mail;
}

nlohmann::json SentPayload(const core::Message& m, const core::SendResult& r, core::Time now) {
  return {{"act", "mail_sent"},
          {"time", core::FormatIso(now)},
          {"kind", core::MessageKindKey(m.kind)},
          {"mailing_id", m.mailing_id ? nlohmann::json(*m.mailing_id) : nlohmann::json(nullptr)},
          {"message_id", m.message_id},
          {"link_token_id",
           m.link_token_id ? nlohmann::json(*m.link_token_id) : nlohmann::json(nullptr)},
          {"to", m.to_address},
          {"subject", m.subject},
          {"server_reply", r.reply}};
}

// Evidence that a mail could not be delivered. No address, subject or server reply: replies
// often quote the address, and this payload is not scrubbed after an erasure.
nlohmann::json FailedPayload(const core::Message& m, core::Time now, bool permanent) {
  return {{"act", "mail_failed"},
          {"time", core::FormatIso(now)},
          {"kind", core::MessageKindKey(m.kind)},
          {"mailing_id", m.mailing_id ? nlohmann::json(*m.mailing_id) : nlohmann::json(nullptr)},
          {"message_id", m.message_id},
          {"attempts", m.attempts},
          {"reason", permanent ? "permanent" : "retries_exhausted"}};
}

}  // namespace

DeliveryWorker::DeliveryWorker(core::Store& store, const core::Clock& clock,
                               const core::Crypto& crypto, core::MailSenderFactory& senders,
                               DeliveryOptions options)
    : store_(store), clock_(clock), crypto_(crypto), factory_(senders), options_(options) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void DeliveryWorker::Wake() { cv_.notify_all(); }

void DeliveryWorker::Loop() {
  std::map<std::string, std::unique_ptr<core::MailSender>> senders;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    Result<int> handled = 0;
    try {
      handled = Round(senders, nullptr);
    } catch (const std::exception& e) {
      handled = core::Internal(std::string("delivery round threw: ") + e.what());
    }
    if (handled && *handled > 0) continue;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [this] { return stopping_; });
  }
}

Result<int> DeliveryWorker::RunOnce(core::MailSender* sender_for_all) {
  std::map<std::string, std::unique_ptr<core::MailSender>> senders;
  return Round(senders, sender_for_all);
}

Result<int> DeliveryWorker::Round(std::map<std::string, std::unique_ptr<core::MailSender>>& senders,
                                  core::MailSender* override_sender) {
  const core::Time now = clock_.Now();
  std::vector<core::Message> leased;
  std::map<core::TenantId, core::Tenant> tenants;
  CONSENTD_RETURN_IF_ERROR(store_.Write([&](core::WriteTx& tx) -> Status {
    tenants.clear();  // a unit may run again
    auto claimed =
        tx.ClaimDueMessages(now, now + options_.lease, options_.per_tenant, options_.batch);
    if (!claimed) return claimed.error();
    leased = std::move(*claimed);
    for (const auto& m : leased) {
      if (tenants.count(m.tenant_id)) continue;
      auto t = tx.FindTenant(m.tenant_id);
      if (!t) return t.error();
      tenants[m.tenant_id] = *t;
    }
    return {};
  }));
  // Send only while the lease is safely ours; what is left goes back to the queue, so a
  // slow server never lets another sender take a message this one is still sending.
  // Outcomes are recorded asynchronously (in order), so a round's records share commits
  // instead of each waiting for its own fsync; the round ends once all are durable.
  const core::Time send_until = now + options_.lease / 2;
  std::vector<std::future<Status>> recorded;
  for (std::size_t i = 0; i < leased.size(); ++i) {
    if (i > 0 && clock_.Now() >= send_until) {  // the first one always goes
      CONSENTD_RETURN_IF_ERROR(AllRecorded(recorded));
      CONSENTD_RETURN_IF_ERROR(Release({leased.begin() + static_cast<long>(i), leased.end()}));
      return static_cast<int>(i);
    }
    core::Message& m = leased[i];
    const core::Tenant& t = tenants[m.tenant_id];
    core::MailSender* sender = override_sender;
    if (!sender) {
      auto& slot = senders[t.smtp.url + "\n" + t.smtp.username];
      if (!slot) slot = factory_.Create(t.smtp);
      sender = slot.get();
    }
    ++m.attempts;
    core::SendResult result = sender->Send(MailOf(m, t, clock_.Now()));
    recorded.push_back(store_.WriteAsync(RecordUnit(m, std::move(result))));
  }
  CONSENTD_RETURN_IF_ERROR(AllRecorded(recorded));
  return static_cast<int>(leased.size());
}

Status DeliveryWorker::AllRecorded(std::vector<std::future<Status>>& recorded) {
  Status first_error;
  for (auto& f : recorded) {
    Status s = f.get();
    if (!s && first_error) first_error = s;
  }
  recorded.clear();
  return first_error;
}

Status DeliveryWorker::Release(const std::vector<core::Message>& messages) {
  return store_.Write([&](core::WriteTx& tx) -> Status {
    for (core::Message m : messages) {
      const core::Time lease = *m.lease_until;
      m.state = core::MessageState::kQueued;
      m.lease_until.reset();
      m.next_attempt_at = clock_.Now();
      auto held = tx.UpdateLeasedMessage(m, lease);
      if (!held) return held.error();
    }
    return {};
  });
}

core::WriteFn DeliveryWorker::RecordUnit(core::Message leased, core::SendResult result) {
  return [this, leased = std::move(leased),
          result = std::move(result)](core::WriteTx& tx) -> Status {
    const core::Time now = clock_.Now();
    const core::Time lease = *leased.lease_until;
    core::Message m = leased;
    m.smtp_reply = result.reply.substr(0, 500);
    m.lease_until.reset();
    if (result.outcome == core::SendOutcome::kSent) {
      m.state = core::MessageState::kSent;
      m.sent_at = now;
      m.body_text.clear();  // the bodies carry the personal link: keep only the hash
      m.body_html.clear();
      auto held = tx.UpdateLeasedMessage(m, lease);
      if (!held) return held.error();
      if (!*held) return {};  // another sender took over; it records its own outcome
      CONSENTD_RETURN_IF_ERROR(CloseMailingIfDone(tx, m));
      // Notices to the broker's own users (contact 0) are no evidence about a contact.
      if (m.contact_id == 0) return {};
      auto system = tx.FindSystemUser(m.tenant_id);
      if (!system) return system.error();
      return AppendActivity(tx, crypto_, m.tenant_id, m.contact_id,
                            core::ActivityType::kEmailVersendet, system->id, now,
                            SentPayload(m, result, now));
    }
    bool give_up = result.outcome == core::SendOutcome::kPermanent ||
                   core::TooOldToRetry(options_.retry, m.created_at, now);
    if (give_up) {
      m.state = core::MessageState::kFailed;
      m.body_text.clear();
      m.body_html.clear();
    } else {
      m.state = core::MessageState::kDeferred;
      m.next_attempt_at = core::NextAttempt(options_.retry, m.attempts, now);
    }
    auto held = tx.UpdateLeasedMessage(m, lease);
    if (!held) return held.error();
    if (!*held || !give_up) return {};
    CONSENTD_RETURN_IF_ERROR(CloseMailingIfDone(tx, m));
    if (m.contact_id == 0) return {};
    auto system = tx.FindSystemUser(m.tenant_id);
    if (!system) return system.error();
    return AppendActivity(tx, crypto_, m.tenant_id, m.contact_id,
                          core::ActivityType::kEmailNichtZugestellt, system->id, now,
                          FailedPayload(m, now, result.outcome == core::SendOutcome::kPermanent));
  };
}

Status DeliveryWorker::CloseMailingIfDone(core::WriteTx& tx, const core::Message& m) {
  if (!m.mailing_id) return {};
  auto open = tx.HasOpenMessages(m.tenant_id, *m.mailing_id);
  if (!open) return open.error();
  if (*open) return {};
  auto mailing = tx.FindMailing(m.tenant_id, *m.mailing_id);
  if (!mailing) return mailing.error();
  if (mailing->state != core::MailingState::kQueued) return {};
  return tx.SetMailingState(m.tenant_id, *m.mailing_id, core::MailingState::kDone);
}

}  // namespace consentd::app

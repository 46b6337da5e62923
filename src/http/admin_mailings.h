// The serial-mail screens: GET/POST /admin/mailings/new (recipients, template, subject,
// preview, who is skipped and why, send), GET /admin/mailings (the list) and
// GET /admin/mailings/{id} with its JSON /status (progress and per-recipient state), and
// GET /admin/mailings/mail-preview (the previewed mail's HTML, framed by the form).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "app/mailing.h"
#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Prepares mailings (renders and queues their messages) on one background thread, so the
// request that created a mailing returns at once. Thread-safe. Mailings still waiting at
// destruction stay "preparing" and are resumed at the next start (ResumePreparingMailings).
class MailingPreparer {
 public:
  MailingPreparer(core::Store& store, const core::Clock& clock, const core::Crypto& crypto,
                  app::LinkSettings links);
  ~MailingPreparer();
  MailingPreparer(const MailingPreparer&) = delete;
  MailingPreparer& operator=(const MailingPreparer&) = delete;

  void Enqueue(core::TenantId tenant, core::MailingId mailing);

 private:
  void Run();

  core::Store& store_;
  const core::Clock& clock_;
  const core::Crypto& crypto_;
  const app::LinkSettings links_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<core::TenantId, core::MailingId>> queue_;  // guarded by mutex_
  bool stopping_ = false;                                         // guarded by mutex_
  std::thread thread_;
};

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminMailingsArea final : public AdminArea {
 public:
  explicit AdminMailingsArea(const AdminServices& services);
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  Response List(const AdminContext& ctx);
  Response NewMailing(const AdminContext& ctx);
  Response MailPreview(const AdminContext& ctx);
  Response Progress(const AdminContext& ctx, core::MailingId id);
  Response Status(const AdminContext& ctx, core::MailingId id);

  const AdminServices services_;
  MailingPreparer preparer_;
};

}  // namespace consentd::http

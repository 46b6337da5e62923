// Contacts one at a time and in files: /admin/contacts/new (create by hand),
// /admin/contacts/{id} (master data, consent record, links, evidence timeline and the acts
// on them), /admin/contacts/import (CSV upload, run in the background with a progress bar)
// and /admin/contacts/export (CSV download).
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/audit.h"
#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe. Owns the threads of running imports; destruction asks them to stop between
// chunks and waits for them.
class AdminContactDetailArea final : public AdminArea {
 public:
  explicit AdminContactDetailArea(const AdminServices& services) : services_(services) {}
  ~AdminContactDetailArea() override;
  std::optional<Response> Handle(const AdminContext& ctx) override;

  struct FailedForm;

 private:
  Response Detail(const AdminContext& ctx, core::ContactId id, const FailedForm* failed);
  Response PostDetail(const AdminContext& ctx, core::ContactId id, const std::string& action);
  Response PostProfile(const AdminContext& ctx, core::ContactId id,
                       const std::vector<std::string_view>& path);
  Response NewContact(const AdminContext& ctx);
  Response Erase(const AdminContext& ctx, core::ContactId id);
  Response Export(const AdminContext& ctx);
  Response ImportForm(const AdminContext& ctx, const std::string& error, int status);
  Response StartImport(const AdminContext& ctx);
  Response ImportPage(const AdminContext& ctx, std::int64_t job);
  Response ImportStatus(const AdminContext& ctx, std::int64_t job);
  void RunInBackground(const app::Actor& actor, std::int64_t job, std::string bytes);

  const AdminServices services_;
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex workers_mutex_;
  std::list<Worker> workers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace consentd::http

// Admin-only screens of a tenant: GET/POST /admin/settings (controller identity, sender,
// SMTP account, Löschfristen), GET/POST /admin/users[/{id}/{reset|deactivate|reactivate}]
// and GET /admin/audit (the audit log, filtered and paged).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminSettingsArea final : public AdminArea {
 public:
  explicit AdminSettingsArea(const AdminServices& services) : services_(services) {}
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  Response Settings(const AdminContext& ctx);
  Response SettingsPage(const AdminContext& ctx, const core::Tenant& shown,
                        const core::Form& rule_form, const core::FieldErrors& errors, int status);
  // `parts`: the path's segments below /admin/users.
  Response Users(const AdminContext& ctx, const std::vector<std::string_view>& parts);
  Response UsersPage(const AdminContext& ctx, const core::Form& form,
                     const core::FieldErrors& errors, const nlohmann::json& notice, int status);
  Response Audit(const AdminContext& ctx);

  const AdminServices services_;
};

}  // namespace consentd::http

// The deletion-request inbox (Löschanträge): GET /admin/deletions (open requests, or the
// decided ones with ?view=decided[&status=...]), GET /admin/deletions/{id} (the request, the
// contact's summary, the decisions) and POST /admin/deletions/{id} (one decision).
#pragma once

#include <optional>

#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminDeletionsArea final : public AdminArea {
 public:
  explicit AdminDeletionsArea(const AdminServices& services) : services_(services) {}
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  Response List(const AdminContext& ctx);
  Response Detail(const AdminContext& ctx, std::int64_t id, const core::Form& form,
                  const core::FieldErrors& errors, int status);
  Response Decide(const AdminContext& ctx, std::int64_t id);

  const AdminServices services_;
};

}  // namespace consentd::http

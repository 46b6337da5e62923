// The address list: GET /admin/contacts (search, filters, sort, paging, selection for a
// serial e-mail). Links to the contact detail, the new-contact and import screens, and
// hands selections to the serial-mail screen (/admin/mailings/new) by GET.
#pragma once

#include <optional>

#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminContactListArea final : public AdminArea {
 public:
  explicit AdminContactListArea(const AdminServices& services) : services_(services) {}
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  const AdminServices services_;
};

}  // namespace consentd::http

// The template screens (Vorlagenverwaltung): GET /admin/templates (the list),
// GET/POST /admin/templates/{key}/{lang} (edit, "Vorschau", save — saving is admin-only)
// POST /admin/templates/{key}/{lang}/preview (the live preview's HTML fragment) and
// GET /admin/templates/{key}/{lang}/mail-preview[?body_html=draft] (the mail's HTML on the
// sample contact, for the preview's sandboxed frame).
#pragma once

#include <optional>

#include "core/mail_template.h"
#include "http/admin_area.h"
#include "http/admin_areas.h"

namespace consentd::http {

// Thread-safe; keeps a copy of the services (whose members it borrows).
class AdminTemplatesArea final : public AdminArea {
 public:
  explicit AdminTemplatesArea(const AdminServices& services) : services_(services) {}
  std::optional<Response> Handle(const AdminContext& ctx) override;

 private:
  Response List(const AdminContext& ctx);
  Response Edit(const AdminContext& ctx, const core::MailTemplate& current);
  Response Preview(const AdminContext& ctx, const core::MailTemplate& current);
  Response MailPreview(const AdminContext& ctx, const core::MailTemplate& current);

  const AdminServices services_;
};

}  // namespace consentd::http

#include "app/page_mail.h"

namespace consentd::app {

core::Status QueuePageMail(core::WriteTx& tx, const core::Crypto& crypto,
                           const core::Tenant& tenant, const core::Contact& contact, PageMail mail,
                           core::Time now) {
  std::string language = contact.data.sprache == "en" ? "en" : "de";
  auto tmpl = tx.FindTemplate(tenant.id, mail.template_key, language);
  if (!tmpl) return tmpl.error();
  auto compiled = CompiledTemplate::Compile(*tmpl);
  if (!compiled) return compiled.error();
  TemplateValues values = TenantValues(tenant);
  AddContactValues(contact.data, values);
  for (const auto& [k, v] : mail.values) values[k] = v;
  RenderedMail rendered = (*compiled)->Render(values);
  core::Message m;
  m.tenant_id = tenant.id;
  m.kind = mail.kind;
  m.contact_id = contact.id;
  m.created_at = now;
  auto id = tx.InsertMessage(m);
  if (!id) return id.error();
  m.id = *id;
  m.link_token_id = mail.link_token_id;
  m.state = core::MessageState::kQueued;
  m.to_address = mail.to_address;
  m.to_name = core::DisplayName(contact.data);
  m.subject = rendered.subject;
  m.body_text = rendered.text;
  m.body_html = rendered.html;
  m.unsubscribe_url = mail.unsubscribe_url;
  m.message_id = NewMessageId(crypto, tenant, m.id);
  m.next_attempt_at = now;
  return tx.UpdateMessage(m);
}

}  // namespace consentd::app

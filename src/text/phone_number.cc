#include "text/phone_number.h"

#include <phonenumbers/phonenumberutil.h>

namespace consentd::text {

std::optional<std::string> LibPhoneNumberNormalizer::Normalize(std::string_view input,
                                                               std::string_view region) const {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(input), std::string(region), &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util.IsValidNumber(number)) return std::nullopt;
  std::string formatted;
  util.Format(number, PhoneNumberUtil::INTERNATIONAL, &formatted);
  return formatted;
}

}  // namespace consentd::text

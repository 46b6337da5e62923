// A prospect's search profile (Suchprofil, Gesuch), in OpenImmo vocabulary.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/time.h"

namespace consentd::core {

// Fixed-point amount in hundredths (350.000 € = 35000000, 2,5 Zimmer = 250).
using Centi = std::int64_t;

struct SearchProfile {
  SearchProfileId id = 0;
  TenantId tenant_id = 0;
  ContactId contact_id = 0;
  std::string vermarktungsart;  // KAUF | MIETE_PACHT | ERBPACHT | LEASING
  std::string nutzungsart;      // WOHNEN | GEWERBE | ANLAGE | WAZ
  std::string objektart;        // wohnung | haus | grundstueck | ...
  std::string objekttyp;        // e.g. ETAGE, EINFAMILIENHAUS; "" for any
  std::string land = "DE";
  std::string plz;
  std::string ort;
  std::optional<std::int64_t> radius_km;
  std::optional<Centi> preis_von, preis_bis;
  std::optional<Centi> wohnflaeche_von, wohnflaeche_bis;
  std::optional<Centi> grundstuecksflaeche_von, grundstuecksflaeche_bis;
  std::optional<Centi> zimmer_von, zimmer_bis;
  std::string bemerkung;
  Time created_at{};
  Time updated_at{};
};

// A value of an OpenImmo enumeration and its German label.
struct Choice {
  std::string_view key;
  std::string_view label;
};

std::span<const Choice> Vermarktungsarten();
std::span<const Choice> Nutzungsarten();
std::span<const Choice> Objektarten();
// The objekttyp values allowed for `objektart`; empty for an unknown objektart.
std::span<const Choice> Objekttypen(std::string_view objektart);
std::string_view LabelOf(std::span<const Choice> choices, std::string_view key);

}  // namespace consentd::core

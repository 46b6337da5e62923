#include "core/search_profile.h"

#include <array>

namespace consentd::core {
namespace {

constexpr std::array<Choice, 4> kVermarktung = {{{"KAUF", "Kauf"},
                                                 {"MIETE_PACHT", "Miete/Pacht"},
                                                 {"ERBPACHT", "Erbpacht"},
                                                 {"LEASING", "Leasing"}}};

constexpr std::array<Choice, 4> kNutzung = {{{"WOHNEN", "Wohnen"},
                                             {"GEWERBE", "Gewerbe"},
                                             {"ANLAGE", "Anlage"},
                                             {"WAZ", "Wohnen auf Zeit"}}};

constexpr std::array<Choice, 13> kObjektarten = {{
    {"wohnung", "Wohnung"},
    {"haus", "Haus"},
    {"grundstueck", "Grundstück"},
    {"zimmer", "Zimmer"},
    {"buero_praxen", "Büro/Praxis"},
    {"einzelhandel", "Einzelhandel"},
    {"gastgewerbe", "Gastgewerbe"},
    {"hallen_lager_prod", "Halle/Lager/Produktion"},
    {"land_und_forstwirtschaft", "Land- und Forstwirtschaft"},
    {"parken", "Parken"},
    {"freizeitimmobilie_gewerblich", "Freizeitimmobilie (gewerblich)"},
    {"zinshaus_renditeobjekt", "Zinshaus/Renditeobjekt"},
    {"sonstige", "Sonstige"},
}};

constexpr std::array<Choice, 14> kWohnung = {{{"DACHGESCHOSS", "Dachgeschoss"},
                                              {"MAISONETTE", "Maisonette"},
                                              {"LOFT-STUDIO-ATELIER", "Loft/Studio/Atelier"},
                                              {"PENTHOUSE", "Penthouse"},
                                              {"TERRASSEN", "Terrassenwohnung"},
                                              {"ETAGE", "Etagenwohnung"},
                                              {"ERDGESCHOSS", "Erdgeschoss"},
                                              {"SOUTERRAIN", "Souterrain"},
                                              {"APARTMENT", "Apartment"},
                                              {"FERIENWOHNUNG", "Ferienwohnung"},
                                              {"GALERIE", "Galerie"},
                                              {"ROHDACHBODEN", "Rohdachboden"},
                                              {"ATTIKAWOHNUNG", "Attikawohnung"},
                                              {"KEINE_ANGABE", "Keine Angabe"}}};

constexpr std::array<Choice, 27> kHaus = {{{"REIHENHAUS", "Reihenhaus"},
                                           {"REIHENEND", "Reihenendhaus"},
                                           {"REIHENMITTEL", "Reihenmittelhaus"},
                                           {"REIHENECK", "Reiheneckhaus"},
                                           {"DOPPELHAUSHAELFTE", "Doppelhaushälfte"},
                                           {"EINFAMILIENHAUS", "Einfamilienhaus"},
                                           {"STADTHAUS", "Stadthaus"},
                                           {"BUNGALOW", "Bungalow"},
                                           {"VILLA", "Villa"},
                                           {"RESTHOF", "Resthof"},
                                           {"BAUERNHAUS", "Bauernhaus"},
                                           {"LANDHAUS", "Landhaus"},
                                           {"SCHLOSS", "Schloss"},
                                           {"ZWEIFAMILIENHAUS", "Zweifamilienhaus"},
                                           {"MEHRFAMILIENHAUS", "Mehrfamilienhaus"},
                                           {"FERIENHAUS", "Ferienhaus"},
                                           {"BERGHUETTE", "Berghütte"},
                                           {"CHALET", "Chalet"},
                                           {"STRANDHAUS", "Strandhaus"},
                                           {"LAUBE-DATSCHE-GARTENHAUS", "Laube/Datsche/Gartenhaus"},
                                           {"APARTMENTHAUS", "Apartmenthaus"},
                                           {"BURG", "Burg"},
                                           {"HERRENHAUS", "Herrenhaus"},
                                           {"FINCA", "Finca"},
                                           {"RUSTICO", "Rustico"},
                                           {"FERTIGHAUS", "Fertighaus"},
                                           {"KEINE_ANGABE", "Keine Angabe"}}};

constexpr std::array<Choice, 9> kGrundstueck = {{{"WOHNEN", "Wohnen"},
                                                 {"GEWERBE", "Gewerbe"},
                                                 {"INDUSTRIE", "Industrie"},
                                                 {"LAND_FORSTWIRSCHAFT", "Land-/Forstwirtschaft"},
                                                 {"FREIZEIT", "Freizeit"},
                                                 {"GEMISCHT", "Gemischt"},
                                                 {"GEWERBEPARK", "Gewerbepark"},
                                                 {"SONDERNUTZUNG", "Sondernutzung"},
                                                 {"SEELIEGENSCHAFT", "Seeliegenschaft"}}};

constexpr std::array<Choice, 1> kZimmer = {{{"ZIMMER", "Zimmer"}}};

constexpr std::array<Choice, 10> kBuero = {{{"BUEROFLAECHE", "Bürofläche"},
                                            {"BUEROHAUS", "Bürohaus"},
                                            {"BUEROZENTRUM", "Bürozentrum"},
                                            {"LOFT_ATELIER", "Loft/Atelier"},
                                            {"PRAXIS", "Praxis"},
                                            {"PRAXISFLAECHE", "Praxisfläche"},
                                            {"PRAXISHAUS", "Praxishaus"},
                                            {"AUSSTELLUNGSFLAECHE", "Ausstellungsfläche"},
                                            {"COWORKING", "Coworking"},
                                            {"SHARED_OFFICE", "Shared Office"}}};

constexpr std::array<Choice, 9> kEinzelhandel = {{{"LADENLOKAL", "Ladenlokal"},
                                                  {"EINZELHANDELSLADEN", "Einzelhandelsladen"},
                                                  {"VERBRAUCHERMARKT", "Verbrauchermarkt"},
                                                  {"EINKAUFSZENTRUM", "Einkaufszentrum"},
                                                  {"KAUFHAUS", "Kaufhaus"},
                                                  {"FACTORY_OUTLET", "Factory Outlet"},
                                                  {"KIOSK", "Kiosk"},
                                                  {"VERKAUFSFLAECHE", "Verkaufsfläche"},
                                                  {"AUSSTELLUNGSFLAECHE", "Ausstellungsfläche"}}};

constexpr std::array<Choice, 11> kGastgewerbe = {
    {{"GASTRONOMIE", "Gastronomie"},
     {"GASTRONOMIE_UND_WOHNUNG", "Gastronomie und Wohnung"},
     {"PENSIONEN", "Pension"},
     {"HOTELS", "Hotel"},
     {"WEITERE_BEHERBERGUNGSBETRIEBE", "Weitere Beherbergungsbetriebe"},
     {"BAR", "Bar"},
     {"CAFE", "Café"},
     {"DISCOTHEK", "Diskothek"},
     {"RESTAURANT", "Restaurant"},
     {"RAUCHERLOKAL", "Raucherlokal"},
     {"EINRAUMLOKAL", "Einraumlokal"}}};

constexpr std::array<Choice, 12> kHallen = {{{"HALLE", "Halle"},
                                             {"INDUSTRIEHALLE", "Industriehalle"},
                                             {"LAGER", "Lager"},
                                             {"LAGERFLAECHEN", "Lagerflächen"},
                                             {"LAGER_MIT_FREIFLAECHE", "Lager mit Freifläche"},
                                             {"HOCHREGALLAGER", "Hochregallager"},
                                             {"SPEDITIONSLAGER", "Speditionslager"},
                                             {"PRODUKTION", "Produktion"},
                                             {"WERKSTATT", "Werkstatt"},
                                             {"SERVICE", "Service"},
                                             {"FREIFLAECHEN", "Freiflächen"},
                                             {"KUEHLHAUS", "Kühlhaus"}}};

constexpr std::array<Choice, 14> kLand = {
    {{"LANDWIRTSCHAFTLICHE_BETRIEBE", "Landwirtschaftlicher Betrieb"},
     {"BAUERNHOF", "Bauernhof"},
     {"AUSSIEDLERHOF", "Aussiedlerhof"},
     {"GARTENBAU", "Gartenbau"},
     {"ACKERBAU", "Ackerbau"},
     {"WEINBAU", "Weinbau"},
     {"VIEHWIRTSCHAFT", "Viehwirtschaft"},
     {"JAGD_UND_FORSTWIRTSCHAFT", "Jagd- und Forstwirtschaft"},
     {"TEICH_UND_FISCHWIRTSCHAFT", "Teich- und Fischwirtschaft"},
     {"SCHEUNEN", "Scheune"},
     {"REITERHOEFE", "Reiterhof"},
     {"SONSTIGE_LANDWIRTSCHAFTSIMMOBILIEN", "Sonstige Landwirtschaftsimmobilie"},
     {"ANWESEN", "Anwesen"},
     {"JAGDREVIER", "Jagdrevier"}}};

constexpr std::array<Choice, 10> kParken = {{{"STELLPLATZ", "Stellplatz"},
                                             {"CARPORT", "Carport"},
                                             {"DOPPELGARAGE", "Doppelgarage"},
                                             {"DUPLEX", "Duplex"},
                                             {"TIEFGARAGE", "Tiefgarage"},
                                             {"BOOTSLIEGEPLATZ", "Bootsliegeplatz"},
                                             {"EINZELGARAGE", "Einzelgarage"},
                                             {"PARKHAUS", "Parkhaus"},
                                             {"TIEFGARAGENSTELLPLATZ", "Tiefgaragenstellplatz"},
                                             {"PARKPLATZ_STROM", "Parkplatz mit Stromanschluss"}}};

constexpr std::array<Choice, 3> kFreizeit = {
    {{"SPORTANLAGEN", "Sportanlage"},
     {"VERGNUEGUNGSPARKS_UND_CENTER", "Vergnügungspark/-center"},
     {"FREIZEITANLAGE", "Freizeitanlage"}}};

constexpr std::array<Choice, 13> kZinshaus = {
    {{"MEHRFAMILIENHAUS", "Mehrfamilienhaus"},
     {"WOHN_UND_GESCHAEFTSHAUS", "Wohn- und Geschäftshaus"},
     {"GESCHAEFTSHAUS", "Geschäftshaus"},
     {"BUEROGEBAEUDE", "Bürogebäude"},
     {"SB_MAERKTE", "SB-Märkte"},
     {"EINKAUFSCENTREN", "Einkaufscenter"},
     {"WOHNANLAGEN", "Wohnanlage"},
     {"VERBRAUCHERMAERKTE", "Verbrauchermärkte"},
     {"INDUSTRIEANLAGEN", "Industrieanlage"},
     {"PFLEGEHEIM", "Pflegeheim"},
     {"SANATORIUM", "Sanatorium"},
     {"SENIORENHEIM", "Seniorenheim"},
     {"BETREUTES-WOHNEN", "Betreutes Wohnen"}}};

constexpr std::array<Choice, 4> kSonstige = {{{"PARKHAUS", "Parkhaus"},
                                              {"TANKSTELLE", "Tankstelle"},
                                              {"KRANKENHAUS", "Krankenhaus"},
                                              {"SONSTIGE", "Sonstige"}}};

}  // namespace

std::span<const Choice> Vermarktungsarten() { return kVermarktung; }
std::span<const Choice> Nutzungsarten() { return kNutzung; }
std::span<const Choice> Objektarten() { return kObjektarten; }

std::span<const Choice> Objekttypen(std::string_view objektart) {
  if (objektart == "wohnung") return kWohnung;
  if (objektart == "haus") return kHaus;
  if (objektart == "grundstueck") return kGrundstueck;
  if (objektart == "zimmer") return kZimmer;
  if (objektart == "buero_praxen") return kBuero;
  if (objektart == "einzelhandel") return kEinzelhandel;
  if (objektart == "gastgewerbe") return kGastgewerbe;
  if (objektart == "hallen_lager_prod") return kHallen;
  if (objektart == "land_und_forstwirtschaft") return kLand;
  if (objektart == "parken") return kParken;
  if (objektart == "freizeitimmobilie_gewerblich") return kFreizeit;
  if (objektart == "zinshaus_renditeobjekt") return kZinshaus;
  if (objektart == "sonstige") return kSonstige;
  return {};
}

std::string_view LabelOf(std::span<const Choice> choices, std::string_view key) {
  for (const auto& c : choices) {
    if (c.key == key) return c.label;
  }
  return key;
}

}  // namespace consentd::core

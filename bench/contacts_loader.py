#!/usr/bin/env python3
# Generated contacts for the benchmarks (bench/admin_list, bench/api); loaded by
# bench/contacts_loader.sh.
#
# contacts_loader.py FORMAT N [TENANT]: the same N contacts (seeded), as
#   csv     the import file of `consentd contacts import` (BENCH_LOADER=import)
#   sqlite  SQL for the sqlite3 shell          } rows as the stores' InsertContact/SaveConsent
#   pg      SQL with COPY for psql (as owner)   } write them (see below)
#   check   reads rows the C++ stores wrote (stdin) and fails unless this port of
#           core::SearchKey computes the same keys
# The SQL writes what the address list reads, exactly as the stores do: the contact's columns,
# search_key / sort_name / sort_ort folded like core::SearchKey (a port of its table, checked
# against the C++ keys of the demo contacts after loading), list_state (0 none, 1 granted,
# 2 withdrawn) and the `consents` row of the purpose 'akquisition' with the tenant's current
# German text. What the list never reads is left out: the evidence activities and hash chain
# that the import writes per row.
import random, sys, time, unicodedata
fmt, n = sys.argv[1], int(sys.argv[2])
tenant = int(sys.argv[3]) if len(sys.argv) > 3 else 0
random.seed(5)
nachnamen = ("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
             "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
             "Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler "
             "Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn "
             "Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
             "Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt "
             "Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich "
             "Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer "
             "Mueller Öztürk Yılmaz Kowalski Nowak Dubois Rossi García").split()
vornamen = ("Anna Maria Lena Lea Emma Mia Sophie Laura Julia Sarah Katharina Hannah Lisa Johanna "
            "Clara Marie Jürgen Peter Michael Thomas Andreas Stefan Klaus Wolfgang Jörg Uwe Frank "
            "Lukas Leon Paul Jonas Felix Maximilian Tim Jan Niklas Björn Sören René Zoë").split()
orte = [("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln"),
        ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("40213", "Düsseldorf"),
        ("04109", "Leipzig"), ("44135", "Dortmund"), ("45127", "Essen"), ("28195", "Bremen"),
        ("01067", "Dresden"), ("30159", "Hannover"), ("90402", "Nürnberg"), ("47051", "Duisburg"),
        ("44787", "Bochum"), ("42103", "Wuppertal"), ("33602", "Bielefeld"), ("53111", "Bonn"),
        ("48143", "Münster"), ("76133", "Karlsruhe"), ("68159", "Mannheim"), ("86150", "Augsburg"),
        ("65183", "Wiesbaden"), ("41061", "Mönchengladbach"), ("45879", "Gelsenkirchen"),
        ("38100", "Braunschweig"), ("24103", "Kiel"), ("09111", "Chemnitz"), ("06108", "Halle (Saale)"),
        ("39104", "Magdeburg"), ("79098", "Freiburg im Breisgau"), ("47798", "Krefeld"),
        ("55116", "Mainz"), ("23552", "Lübeck"), ("99084", "Erfurt"), ("18055", "Rostock"),
        ("34117", "Kassel"), ("58095", "Hagen"), ("66111", "Saarbrücken"), ("82319", "Starnberg"),
        ("83022", "Rosenheim"), ("85049", "Ingolstadt"), ("93047", "Regensburg"), ("97070", "Würzburg")]
domains = ["gmail.com"] * 6 + ["web.de"] * 4 + ["gmx.de"] * 4 + ["t-online.de"] * 2 + \
          ["outlook.de", "posteo.de", "icloud.com", "mail.de"]
kontaktarten = ["Interessent"] * 5 + ["Eigentümer"] * 2 + ["Käufer", "Verkäufer", "Mieter", "Vermieter", "Sonstiges"]
bases = ["Einwilligung"] * 3 + ["Bestandskunde"] * 2 + ["Anfrage"] * 3 + ["keine"] * 2
KONTAKTART_KEY = {"Interessent": "interessent", "Eigentümer": "eigentuemer", "Käufer": "kaeufer",
                  "Verkäufer": "verkaeufer", "Mieter": "mieter", "Vermieter": "vermieter",
                  "Sonstiges": "sonstiges"}
BASIS_KEY = {"Einwilligung": "consent", "Bestandskunde": "existing_customer",
             "Anfrage": "own_enquiry", "keine": "none"}

# core::SearchKey, ported: its fold table (search_key_internal::kFolds, kMoreFolds).
FOLDS = [(0xC0, 0xC3, "a"), (0xC4, 0xC4, "ae"), (0xC5, 0xC5, "a"), (0xC6, 0xC6, "ae"),
         (0xC7, 0xC7, "c"), (0xC8, 0xCB, "e"), (0xCC, 0xCF, "i"), (0xD0, 0xD0, "d"),
         (0xD1, 0xD1, "n"), (0xD2, 0xD5, "o"), (0xD6, 0xD6, "oe"), (0xD8, 0xD8, "o"),
         (0xD9, 0xDB, "u"), (0xDC, 0xDC, "ue"), (0xDD, 0xDD, "y"), (0xDE, 0xDE, "th"),
         (0xDF, 0xDF, "ss"), (0xE0, 0xE3, "a"), (0xE4, 0xE4, "ae"), (0xE5, 0xE5, "a"),
         (0xE6, 0xE6, "ae"), (0xE7, 0xE7, "c"), (0xE8, 0xEB, "e"), (0xEC, 0xEF, "i"),
         (0xF0, 0xF0, "d"), (0xF1, 0xF1, "n"), (0xF2, 0xF5, "o"), (0xF6, 0xF6, "oe"),
         (0xF8, 0xF8, "o"), (0xF9, 0xFB, "u"), (0xFC, 0xFC, "ue"), (0xFD, 0xFD, "y"),
         (0xFE, 0xFE, "th"), (0xFF, 0xFF, "y"), (0x100, 0x105, "a"), (0x106, 0x10D, "c"),
         (0x10E, 0x111, "d"), (0x112, 0x11B, "e"), (0x11C, 0x123, "g"), (0x124, 0x127, "h"),
         (0x128, 0x131, "i"), (0x132, 0x133, "ij"), (0x134, 0x135, "j"), (0x136, 0x138, "k"),
         (0x139, 0x142, "l"), (0x143, 0x14B, "n"), (0x14C, 0x151, "o"), (0x152, 0x153, "oe"),
         (0x154, 0x159, "r"), (0x15A, 0x161, "s"), (0x162, 0x167, "t"), (0x168, 0x173, "u"),
         (0x174, 0x175, "w"), (0x176, 0x178, "y"), (0x179, 0x17E, "z"), (0x17F, 0x17F, "s"),
         (0x1E9E, 0x1E9E, "ss")]
def fold_char(ch):
    cp = ord(ch)
    if cp < 0x80:
        return ch.lower()
    for first, last, folded in FOLDS:
        if first <= cp <= last:
            return folded
    return ch
def search_key(text):
    words = text.replace("\xa0", " ").split()
    return " ".join("".join(fold_char(ch) for ch in w) for w in words)
def contact_search_key(c):
    return "|".join([search_key(c["vorname"] + " " + c["nachname"])] +
                    [search_key(c[f]) for f in ("firma", "email", "plz", "ort")])
def sort_name(c):
    if not c["nachname"] and not c["vorname"]:
        return search_key(c["firma"])
    return search_key(c["nachname"] + " " + c["vorname"])

def contacts():
    for i in range(n):
        vn, nn = random.choice(vornamen), random.choice(nachnamen)
        plz, ort = random.choice(orte)
        plz = plz[:3] + "%02d" % random.randrange(100)
        local = (vn + "." + nn).lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"}))
        local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        email = "%s.%d@%s" % (local, i, random.choice(domains))
        r = random.random()
        consent = (1 + i % 28, 1 + i % 12) if r < 0.30 else None
        withdrawn = (1 + i % 28, 1 + i % 10) if r < 0.05 else None
        yield {"i": i, "anrede": random.choice(["Herr", "Frau"]), "vorname": vn, "nachname": nn,
               "firma": "", "email": email, "plz": plz, "ort": ort,
               "kontaktart": random.choice(kontaktarten), "basis": random.choice(bases),
               "consent": consent, "withdrawn": withdrawn}

def german(d, year):
    return "" if d is None else "%02d.%02d.%d" % (d[0], d[1], year)
def iso(d, year):
    return "%d-%02d-%02dT09:00:00Z" % (year, d[1], d[0])
def created(i):  # distinct, in insertion order, like an import's clock
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1764460800 + i))  # from 2025-11-30

COLUMNS = ("tenant_id, anrede, vorname, nachname, firma, email, plz, ort, kontaktart, legal_basis, "
           "created_at, updated_at, search_key, sort_name, sort_ort, list_state")
def row(c):
    state = 2 if c["withdrawn"] else 1 if c["consent"] else 0
    t = created(c["i"])
    return [str(tenant), c["anrede"], c["vorname"], c["nachname"], c["firma"], c["email"], c["plz"],
            c["ort"], KONTAKTART_KEY[c["kontaktart"]], BASIS_KEY[c["basis"]], t, t,
            contact_search_key(c), sort_name(c), search_key(c["ort"]), str(state)]
def consent_row(c):
    return [c["email"], iso(c["consent"], 2025), iso(c["withdrawn"], 2026) if c["withdrawn"] else None]

# Consents of the loaded rows: joined by e-mail (unique per tenant) to the new contacts.
CONSENTS_SQL = """INSERT INTO consents (tenant_id, contact_id, purpose_id, source, purpose_name,
  granted_at, revoked_at, revocation_reason, text_version, text_sha256, language)
SELECT c.tenant_id, c.id, p.id, 'Import', p.name, b.granted_at, b.revoked_at,
  CASE WHEN b.revoked_at IS NULL THEN '' ELSE 'Import' END, t.version, t.sha256, 'de'
FROM bench_consents b JOIN contacts c ON c.tenant_id = %(t)d AND c.email = b.email
JOIN consent_purposes p ON p.tenant_id = %(t)d AND p.key = 'akquisition'
JOIN consent_texts t ON t.tenant_id = %(t)d AND t.purpose_id = p.id AND t.language = 'de'
  AND t.version = (SELECT MAX(version) FROM consent_texts x WHERE x.tenant_id = %(t)d
                   AND x.purpose_id = p.id AND x.language = 'de')
WHERE c.erased_at IS NULL;
""" % {"t": tenant}

def sql_text(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"

out = sys.stdout
if fmt == "check":
    # stdin: vorname, nachname, firma, email, plz, ort, search_key, sort_name, sort_ort of rows
    # the C++ stores wrote (tab-separated); every key must be what this port computes.
    bad = 0
    for line in sys.stdin.read().splitlines():
        f = line.split("\t")
        c = dict(zip(("vorname", "nachname", "firma", "email", "plz", "ort"), f[:6]))
        mine = [contact_search_key(c), sort_name(c), search_key(c["ort"])]
        if mine != f[6:9]:
            bad += 1
            print("key mismatch: C++ %r, contacts_loader.py %r" % (f[6:9], mine), file=sys.stderr)
    sys.exit(1 if bad else 0)
elif fmt == "csv":
    out.write("Anrede;Vorname;Nachname;E-Mail;PLZ;Ort;Kontaktart;Rechtsgrundlage;Einwilligungsdatum;Widerrufsdatum\n")
    for c in contacts():
        out.write(";".join([c["anrede"], c["vorname"], c["nachname"], c["email"], c["plz"], c["ort"],
                            c["kontaktart"], c["basis"], german(c["consent"], 2025),
                            german(c["withdrawn"], 2026)]) + "\n")
elif fmt == "sqlite":
    # One transaction in a page cache that holds it (no spill to the WAL before COMMIT), rows
    # in multi-row INSERTs (parsing is most of the shell's cost).
    out.write("PRAGMA cache_size = -400000;\nBEGIN;\n"
              "CREATE TEMP TABLE bench_consents (email TEXT PRIMARY KEY, granted_at TEXT, revoked_at TEXT);\n")
    values, consents = [], []
    def flush(table, columns):
        if values:
            out.write("INSERT INTO %s%s VALUES\n%s;\n" % (table, columns, ",\n".join(values)))
            values.clear()
    for c in contacts():
        values.append("(%s)" % ", ".join(v if k in (0, 15) else sql_text(v) for k, v in enumerate(row(c))))
        if len(values) == 500:
            flush("contacts", " (%s)" % COLUMNS)
        if c["consent"]:
            consents.append(consent_row(c))
    flush("contacts", " (%s)" % COLUMNS)
    for e in consents:
        values.append("(%s)" % ", ".join(sql_text(v) for v in e))
        if len(values) == 500:
            flush("bench_consents", "")
    flush("bench_consents", "")
    out.write(CONSENTS_SQL + "COMMIT;\n")
elif fmt == "pg":
    def copy_value(v):
        if v is None:
            return "\\N"
        return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    out.write("\\set ON_ERROR_STOP on\nBEGIN;\n")
    out.write("CREATE TEMP TABLE bench_consents (email text PRIMARY KEY, granted_at timestamptz, revoked_at timestamptz);\n")
    out.write("COPY contacts (%s) FROM STDIN;\n" % COLUMNS)
    consents = []
    for c in contacts():
        out.write("\t".join(copy_value(v) for v in row(c)) + "\n")
        if c["consent"]:
            consents.append(consent_row(c))
    out.write("\\.\nCOPY bench_consents FROM STDIN;\n")
    for e in consents:
        out.write("\t".join(copy_value(v) for v in e) + "\n")
    out.write("\\.\n" + CONSENTS_SQL + "COMMIT;\n")
else:
    sys.exit("contacts_loader.py: unknown format " + fmt)

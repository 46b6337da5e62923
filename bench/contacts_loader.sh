# shellcheck shell=bash
# Loads generated contacts into a bench database (bench/admin_list, bench/api); sourced after
# bench/lib.sh, not run. The contacts themselves come from bench/contacts_loader.py (its
# header says what they hold and what is left out).
#
# The sourcing script sets, before calling these functions:
#   TMP          scratch directory (the CSV, the key check, the load log go there)
#   CONTACTS     how many contacts to load
#   LOADER       sql (generated SQL, COPY on PostgreSQL: seconds) or import
#                (`consentd contacts import` of a CSV: the real write path, hours at 100,000)
#   BIN, DB_URL  the consentd binary and the database it serves (for LOADER=import)
#   SQLITE_DB    the SQLite database file (store sqlite)
#   PGBIN, SUPER_URL  PostgreSQL's bin directory and a superuser URL of the database (store pg)

# bench_sql STORE QUERY: runs QUERY on the bench database (PostgreSQL: as superuser, past
# row-level security), tab-separated rows without headers.
bench_sql() {
  if [[ $1 == sqlite ]]; then
    sqlite3 -bail -separator $'\t' "$SQLITE_DB" "$2"
  else
    "$PGBIN/psql" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 "$SUPER_URL" -c "$2"
  fi
}

# load_contacts STORE: CONTACTS contacts into the demo tenant, by generated SQL (LOADER=sql)
# or through `consentd contacts import` (LOADER=import). Ends the script on failure.
load_contacts() {
  local store=$1 tenant gen=$ROOT/bench/contacts_loader.py
  if [[ $LOADER == import ]]; then
    python3 "$gen" csv "$CONTACTS" >"$TMP/contacts.csv"
    # Exit status 2: some rows were refused (reported by line); the others are in.
    "$BIN" --db "$DB_URL" contacts import "$TMP/contacts.csv" --tenant demo >"$TMP/load-$store.log" 2>&1 ||
      [[ $? == 2 ]] || die "import failed: $(tail -3 "$TMP/load-$store.log")"
    return
  fi
  [[ $LOADER == sql ]] || die "unknown loader $LOADER (sql or import)"
  tenant=$(bench_sql "$store" "SELECT id FROM tenants WHERE slug = 'demo'")
  [[ -n "$tenant" ]] || die "no demo tenant"
  # The port of core::SearchKey must fold as the C++ does: compare with the demo's contacts.
  bench_sql "$store" "SELECT vorname, nachname, firma, email, plz, ort, search_key, sort_name, sort_ort
                FROM contacts WHERE tenant_id = $tenant" >"$TMP/demo-keys.tsv"
  python3 "$gen" check 0 <"$TMP/demo-keys.tsv" || die "contacts_loader.py folds differently from core::SearchKey"
  if [[ $store == sqlite ]]; then
    python3 "$gen" sqlite "$CONTACTS" "$tenant" | sqlite3 -bail "$SQLITE_DB" >"$TMP/load-$store.log" 2>&1 ||
      die "SQL load failed: $(tail -3 "$TMP/load-$store.log")"
  else
    python3 "$gen" pg "$CONTACTS" "$tenant" |
      "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$SUPER_URL" >"$TMP/load-$store.log" 2>&1 ||
      die "SQL load failed: $(tail -3 "$TMP/load-$store.log")"
  fi
}

# analyze_contacts STORE OWNER_URL: what autovacuum does after a bulk load (PostgreSQL: VACUUM
# ANALYZE as the tables' owner), or ANALYZE on SQLite.
analyze_contacts() {
  if [[ $1 == sqlite ]]; then
    sqlite3 "$SQLITE_DB" "ANALYZE;"
  else
    "$PGBIN/psql" -X -q "$2" -c "VACUUM ANALYZE contacts" >/dev/null
    "$PGBIN/psql" -X -q "$2" -c "VACUUM ANALYZE consents" >/dev/null
  fi
}

# contacts_summary STORE: "N live contacts, G granted, W withdrawn"
contacts_summary() {
  bench_sql "$1" "SELECT COUNT(*) || ' live contacts, ' || SUM(CASE list_state WHEN 1 THEN 1 ELSE 0 END) ||
    ' granted, ' || SUM(CASE list_state WHEN 2 THEN 1 ELSE 0 END) || ' withdrawn'
    FROM contacts WHERE erased_at IS NULL"
}

-- wrk script: creates contacts through the JSON API (POST /api/v1/contacts), one new
-- contact per request.
--
--   API_KEY=cdk_… API_CREATE_RUN=ID API_CREATE_RESULT=OUT \
--     wrk -t2 -c64 -d10s -s bench/api_create.lua http://127.0.0.1:PORT
--
-- Every request carries an e-mail address no other request uses: the run id (unique per
-- database, e.g. "sqlite-2"), the wrk thread and a counter of that thread. A repeated address
-- would answer 409 and create nothing.
--
-- OUT receives, after the run, "key value" lines: created (201 answers: contacts the server
-- created and acknowledged), other (any other HTTP status), errors (socket errors and
-- timeouts as wrk counts them), requests, duration_us, latency percentiles, and first_other
-- (status and start of the body of the first answer other than 201, "-" when none).
-- bench/api counts only `created` and reports a run with other answers or errors as such.

local api_key = os.getenv("API_KEY")
local run_id = os.getenv("API_CREATE_RUN") or "0"
local result_file = os.getenv("API_CREATE_RESULT")

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  assert(api_key, "API_KEY not set")
  counter = 0
  created = 0
  other = 0
  first_other = "-"
  headers = {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
  }
end

function request()
  counter = counter + 1
  local email = string.format("api.bench.%s.t%d.%d@example.org", run_id, thread_index, counter)
  local body = string.format(
    '{"anrede":"Frau","vorname":"Erika","nachname":"Messung %d","email":"%s",' ..
    '"plz":"80331","ort":"München","kontaktart":"interessent"}', counter, email)
  return wrk.format("POST", "/api/v1/contacts", headers, body)
end

function response(status, hdrs, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if first_other == "-" then
      first_other = tostring(status) .. " " .. string.sub((body or ""):gsub("%s+", " "), 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local total_created, total_other, first = 0, 0, "-"
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_other = total_other + thread:get("other")
    local f = thread:get("first_other")
    if first == "-" and f and f ~= "-" then first = f end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  local out = io.stdout
  if result_file then out = assert(io.open(result_file, "w")) end
  out:write(string.format("created %d\nother %d\nerrors %d\ntimeouts %d\nrequests %d\n",
                          total_created, total_other, errors, e.timeout, summary.requests))
  out:write(string.format("duration_us %d\np50_us %d\np99_us %d\n", summary.duration,
                          latency:percentile(50), latency:percentile(99)))
  out:write("first_other " .. first .. "\n")
  if out ~= io.stdout then out:close() end
end

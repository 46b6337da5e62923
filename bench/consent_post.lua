-- wrk script: posts the consent form ("Einwilligen") for many different links, round robin.
--
--   CONSENT_POST_TARGETS=FILE CONSENT_POST_RESULT=OUT wrk -t2 -c64 -d10s -s bench/consent_post.lua URL
--
-- FILE holds one "<token> <csrf>" pair per line (csrf as read from the consent page,
-- name="csrf" value="..."). Every request is one full act on the server: consent upsert,
-- contact update and one hash-chained "Einwilligung" activity.
--
-- OUT receives, after the run, "key value" lines: acked (303 responses, i.e. acts the
-- server acknowledged), other (any other HTTP status), errors (socket errors and timeouts
-- as wrk counts them), requests, and latency percentiles. bench/run compares acked with
-- the activities in the database.

local targets_file = os.getenv("CONSENT_POST_TARGETS")
local result_file = os.getenv("CONSENT_POST_RESULT")

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  local f = assert(io.open(assert(targets_file, "CONSENT_POST_TARGETS not set"), "r"))
  for line in f:lines() do
    local token, csrf = line:match("^(%S+)%s+(%S+)$")
    if token then
      table.insert(targets, {
        path = "/c/" .. token .. "/consent",
        body = "csrf=" .. csrf .. "&lang=de",
      })
    end
  end
  f:close()
  assert(#targets > 0, "no targets in " .. targets_file)
  -- Each wrk thread starts at a different link, so concurrent connections mostly post
  -- for different contacts.
  next_target = (thread_index * 7) % #targets
  acked = 0
  other = 0
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
  next_target = next_target % #targets + 1
  local t = targets[next_target]
  return wrk.format("POST", t.path, headers, t.body)
end

function response(status, hdrs, body)
  if status == 303 then
    acked = acked + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total_acked, total_other = 0, 0
  for _, thread in ipairs(threads) do
    total_acked = total_acked + thread:get("acked")
    total_other = total_other + thread:get("other")
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  local out = io.stdout
  if result_file then out = assert(io.open(result_file, "w")) end
  out:write(string.format("acked %d\nother %d\nerrors %d\ntimeouts %d\nrequests %d\n",
                          total_acked, total_other, errors, e.timeout, summary.requests))
  out:write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
  if out ~= io.stdout then out:close() end
end

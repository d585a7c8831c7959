-- wrk script for the roadmap benchmark.
-- Reads the requests from the file named by BENCH_REQUESTS, one a line, tab-separated:
--   METHOD <tab> PATH <tab> COOKIE <tab> CSRF_TOKEN <tab> BODY
-- (cookie, token and body empty for anonymous GETs). Each wrk thread takes the lines whose
-- number modulo BENCH_THREADS equals its id, and cycles through them: so a signed-in user's
-- requests all go through one thread, in order. POSTs are sent as htmx sends them
-- (HX-Request, X-CSRFToken): a refusal answers 422 and is counted as a non-2xx response.
-- GETs with a cookie are a signed-in reader's full pages.
-- At the end, prints one line "BENCH_JSON {...}" with the counts and latency percentiles.

local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local requests = {}
local position = 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local lines = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    table.insert(lines, line)
  end
  if #lines < threads then
    threads = 1  -- fewer lines than threads: every thread sends all of them
    id = 0
  end
  for number, line in ipairs(lines) do
    if (number - 1) % threads == id then
      local f = split(line)
      local headers = {}
      local body = nil
      if f[3] ~= nil and f[3] ~= "" then
        headers["Cookie"] = f[3]
      end
      if f[1] == "POST" then
        headers["X-CSRFToken"] = f[4]
        headers["HX-Request"] = "true"
      end
      if f[5] ~= nil and f[5] ~= "" then
        body = f[5]
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      table.insert(requests, wrk.format(f[1], f[2], headers, body))
    end
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end

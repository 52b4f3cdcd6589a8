-- The load generator's script for bench/common.py's measure(): one request shape per
-- run, read from the environment, and a summary line of JSON at the end.
--   WRK_METHOD  GET or POST            WRK_PATH  the path
--   WRK_BODY    a POST body; each "{n}" becomes a number unique to this request
--   WRK_EXPECT  the one status that counts as success (POST runs count them)
local method = os.getenv("WRK_METHOD") or "GET"
local path = os.getenv("WRK_PATH") or "/"
local body_template = os.getenv("WRK_BODY") or ""
local run_tag = os.getenv("WRK_RUN") or "0"
local expect = tonumber(os.getenv("WRK_EXPECT") or "0")

local threads = {}
local next_thread = 1

function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

sent, ok, bad = 0, 0, 0

function request()
  sent = sent + 1
  local body = nil
  if body_template ~= "" then
    local unique = run_tag .. "t" .. thread_number .. "n" .. sent
    body = (body_template:gsub("{n}", unique))
  end
  return wrk.format(method, path, nil, body)
end

if expect > 0 then
  -- Defined only when asked for: a response() hook makes wrk parse every body.
  function response(status, headers, body)
    if status == expect then ok = ok + 1 else bad = bad + 1 end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + (thread:get("ok") or 0)
    total_bad = total_bad + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "ok": %d, "bad": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    total_ok, total_bad))
end

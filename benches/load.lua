-- wrk script of benches/load.py (the load benchmark): one workload, configured by the
-- environment that load.py sets. Not meant to be run by hand, though it can be:
--
--   LOAD_NODES=127.0.0.1:8080 LOAD_THREADS=2 LOAD_PATH=/healthz LOAD_EXPECT=200 \
--   LOAD_OUT=/tmp/out.json wrk -t2 -c8 -d5s -s benches/load.lua http://127.0.0.1:8080
--
-- LOAD_NODES     comma-separated host:port; wrk thread i (from 1) talks to node
--                ((i - 1) mod #nodes) + 1, so with -t2 and two nodes each node gets one thread
--                and half the connections
-- LOAD_THREADS   wrk's -t (the threads' share of LOAD_IDS is decided before they start)
-- LOAD_METHOD    GET (default) or POST
-- LOAD_PATH      the request path; "{id}" in it is replaced by the next line of LOAD_IDS
-- LOAD_IDS       a file of ids, one a line; thread i takes lines i, i + T, i + 2T, ... and uses
--                each once; a thread that runs out sends "exhausted" as the id (a 404, counted
--                as a failure, and load.py refuses the run)
-- LOAD_HEADERS   request headers, "Name: value" separated by newlines
-- LOAD_BODY      the request body, or LOAD_BODY_FILE: a file holding it
-- LOAD_EXPECT    the status that counts as success (200, or 303 for a form's redirect)
-- LOAD_CAPTURE   if set, the last path segment of each successful answer's Location header is
--                written, one a line, to this file (the ids of the documents a run submitted)
-- LOAD_OUT       where done() writes the results as JSON; the first unexpected answer (status,
--                X-Sahih-Error, the start of the body) goes to LOAD_OUT .. ".bad"

local env = os.getenv
local threads = {}

local function split(s, sep)
  local out = {}
  for part in string.gmatch(s or "", "[^" .. sep .. "]+") do
    out[#out + 1] = part
  end
  return out
end

function setup(thread)
  local nodes = split(env("LOAD_NODES"), ",")
  local i = #threads + 1
  threads[i] = thread
  local host, port = nodes[((i - 1) % #nodes) + 1]:match("^(.*):(%d+)$")
  thread.addr = wrk.lookup(host, port)[1]
  thread:set("part", i - 1)
end

local method, path, headers, body, ids, pos, expect, capture
ok, bad, exhausted, first_bad, captured = 0, 0, false, nil, {}

function init(args)
  method = env("LOAD_METHOD") or "GET"
  path = env("LOAD_PATH") or "/"
  expect = tonumber(env("LOAD_EXPECT") or "200")
  capture = env("LOAD_CAPTURE")
  headers = {}
  for _, line in ipairs(split(env("LOAD_HEADERS"), "\n")) do
    local k, v = line:match("^([^:]+):%s*(.*)$")
    headers[k] = v
  end
  body = env("LOAD_BODY")
  local body_file = env("LOAD_BODY_FILE")
  if body_file then
    local f = assert(io.open(body_file, "rb"))
    body = f:read("*a")
    f:close()
  end
  local ids_file = env("LOAD_IDS")
  if ids_file then
    local parts = tonumber(env("LOAD_THREADS"))
    ids, pos = {}, 0
    local n = 0
    for line in io.lines(ids_file) do
      if line ~= "" then
        if n % parts == part then
          ids[#ids + 1] = line
        end
        n = n + 1
      end
    end
  else
    -- The same request every time: formatted once.
    local req = wrk.format(method, path, headers, body)
    request = function()
      return req
    end
  end
end

function request()
  pos = pos + 1
  local id = ids[pos]
  if id == nil then
    exhausted = true
    id = "exhausted"
  end
  return wrk.format(method, path:gsub("{id}", id), headers, body)
end

local function header(hdrs, name)
  for k, v in pairs(hdrs) do
    if k:lower() == name then
      return v
    end
  end
  return nil
end

function response(status, hdrs, resp_body)
  if status == expect then
    ok = ok + 1
    if capture then
      local location = header(hdrs, "location") or ""
      captured[#captured + 1] = location:match("([^/]+)$")
    end
  else
    bad = bad + 1
    if first_bad == nil then
      first_bad = status .. " " .. (header(hdrs, "x-sahih-error") or "-") .. " "
        .. (resp_body or ""):sub(1, 300)
    end
  end
end

function done(summary, latency, requests)
  local n_ok, n_bad, ran_out, bad_text = 0, 0, false, nil
  local capture_path = env("LOAD_CAPTURE")  -- init() ran in the threads, not here
  local capture_file = capture_path and assert(io.open(capture_path, "w"))
  for _, t in ipairs(threads) do
    n_ok = n_ok + t:get("ok")
    n_bad = n_bad + t:get("bad")
    ran_out = ran_out or t:get("exhausted")
    bad_text = bad_text or t:get("first_bad")
    if capture_file then
      for _, id in ipairs(t:get("captured")) do
        capture_file:write(id, "\n")
      end
    end
  end
  if capture_file then
    capture_file:close()
  end
  local e = summary.errors
  local out = assert(io.open(env("LOAD_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "ok": %d, "bad": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "exhausted": %s}\n',
    summary.requests, summary.duration, n_ok, n_bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, tostring(ran_out)))
  out:close()
  if bad_text then
    local f = assert(io.open(env("LOAD_OUT") .. ".bad", "w"))
    f:write(bad_text, "\n")
    f:close()
  end
end

-- wrk script for the receiver load benchmarks: every request is a VRIO shipment_scheduled event with a
-- webhook_event_id and shipment_id unique within the run (numbers that grow in send order on each wrk
-- thread, as VRIO's ids do), signed (hex HMAC-SHA256 of the body, OpenSSL
-- through LuaJIT's FFI) with the secret in HOOKLINE_BENCH_SECRET (default "bench-secret", the secret of
-- `hookline_bench_receiver_load --serve`). wrk starts a request's clock after request() returned, so
-- the signing is not in the latencies; it costs the client about 2 µs of CPU per request.
--   wrk -t2 -c32 -d10s -s receiver_load.lua URL -- SAMPLE.json [RUN]
-- SAMPLE.json is samples/vrio/shipment_scheduled.json. RUN (a whole number, default the time) keeps
-- ids apart between runs against the same server (a warm-up, then the measurement). The shipment's
-- date_scheduled is set 30 days ahead, so a fulfillment server stores a waiting fulfillment (what
-- shipment_scheduled usually announces) and ships nothing during the run.
-- done() prints one line: "receiver_load requests=N seconds=S events_per_s=R p50_ms=… p99_ms=…
-- max_ms=… non_2xx=N socket_errors=N".
local ffi = require("ffi")
ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                    unsigned char *md, unsigned int *md_len);
]]
local crypto = ffi.load("crypto")
local secret = os.getenv("HOOKLINE_BENCH_SECRET") or "bench-secret"
local digest = ffi.new("unsigned char[32]")
local digest_length = ffi.new("unsigned int[1]")

local function sign(body)
  crypto.HMAC(crypto.EVP_sha256(), secret, #secret, body, #body, digest, digest_length)
  local hex = {}
  for i = 0, 31 do
    hex[i + 1] = string.format("%02x", digest[i])
  end
  return table.concat(hex)
end

local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

-- Replaces the first match of `pattern` in `text` by `replacement` (a literal), or stops the run.
local function replace_once(text, pattern, replacement)
  local first, last = text:find(pattern)
  assert(first, "the sample has no " .. pattern)
  return text:sub(1, first - 1) .. replacement .. text:sub(last + 1)
end

local template
local run
local counter = 0

function init(args)
  local file = assert(io.open(args[1] or "", "rb"), "usage: -- SAMPLE.json [RUN]")
  local sample = file:read("*a")
  file:close()
  run = tonumber(args[2]) or os.time() % 1000000
  local due = os.date("!%Y-%m-%d %H:%M:%S", os.time() + 30 * 86400)
  template = sample:gsub("%%", "%%%%")
  template = replace_once(template, '"webhook_event_id": *%d+', '"webhook_event_id": %d')
  template = replace_once(template, '"shipment_id": *%d+', '"shipment_id": %d')
  template = replace_once(template, '"date_scheduled": *"[^"]*"', '"date_scheduled": "' .. due .. '"')
end

function request()
  counter = counter + 1
  local id = run * 1000000000 + thread_number * 100000000 + counter
  local body = string.format(template, id, id)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Signature"] = sign(body),
  }, body)
end

function done(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    "receiver_load requests=%d seconds=%.2f events_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non_2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end

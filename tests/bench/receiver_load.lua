-- wrk script for the receiver load benchmark: every request is a VRIO shipment_scheduled event with a
-- unique webhook_event_id and shipment, signed with HMAC-SHA256 (OpenSSL through LuaJIT's FFI) by
-- the benchmark server's secret "bench-secret". See receiver_load_bench.cpp for how to run it.
--   wrk -t2 -c32 -d10s --latency -s receiver_load.lua http://127.0.0.1:PORT/webhooks/vrio -- SAMPLE.json
local ffi = require("ffi")
ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                    unsigned char *md, unsigned int *md_len);
]]
local crypto = ffi.load("crypto")
local secret = "bench-secret"
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

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
  thread:set("run", tostring(os.time()))
  table.insert(threads, thread)
end

local template
local counter = 0
failures = 0  -- global: done() reads it from each thread

function init(args)
  local file = assert(io.open(args[1], "rb"), "usage: -- SAMPLE.json")
  local sample = file:read("*a")
  file:close()
  template = sample:gsub('"webhook_event_id": 10001', '"webhook_event_id": "%%s"', 1)
                   :gsub('"shipment_id": 251606', '"shipment_id": %%d', 1)
end

function request()
  counter = counter + 1
  local id = string.format("wrk-%s-%d-%d", run, thread_number, counter)
  local body = string.format(template, id, thread_number * 100000000 + counter)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Signature"] = sign(body),
  }, body)
end

function response(status)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  io.write(string.format("events/s %.0f  p50 %.2f ms  p99 %.2f ms  max %.2f ms  non-200 %d  socket errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end

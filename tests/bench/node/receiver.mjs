// The Node.js receiver a merchant might write instead of hookline, for the receiver load benchmark
// (tests/bench/run-all.sh, section receiver): node:http, the VRIO signature (hex HMAC-SHA256 of the
// raw body in X-Webhook-Signature) checked with crypto and timingSafeEqual, JSON.parse, and an
// in-memory Set of webhook_event_ids for duplicates. Nothing is durable: a restart forgets every
// event, and an acknowledged event is lost if the process dies before a handler would run.
// Answers 200 (accepted or duplicate), 401 (bad signature), 400 (not JSON or no event id), 413, 404.
//
// usage: HOOKLINE_BENCH_SECRET=... node receiver.mjs HOST:PORT
import { answer, serveVrioWebhooks, signatureMatches } from "./webhook-http.mjs";

const secret = process.env.HOOKLINE_BENCH_SECRET;
const [host, port] = (process.argv[2] ?? "").split(":");
if (!secret || !host || !port) {
  console.error("usage: HOOKLINE_BENCH_SECRET=... node receiver.mjs HOST:PORT");
  process.exit(2);
}

const seen = new Set();

function receive(body, request, response) {
  if (!signatureMatches(secret, body, request.headers["x-webhook-signature"])) {
    return answer(response, 401, '{"error":"bad signature"}');
  }
  let event;
  try {
    event = JSON.parse(body);
  } catch {
    return answer(response, 400, '{"error":"invalid JSON"}');
  }
  const id = event?.webhook_event_id;
  if (id === undefined || id === null || id === "") return answer(response, 400, '{"error":"no webhook_event_id"}');
  const key = String(id);
  if (seen.has(key)) return answer(response, 200, '{"status":"duplicate"}');
  seen.add(key);
  return answer(response, 200, '{"status":"accepted"}');
}

const server = serveVrioWebhooks(host, port, "node receiver", receive);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));  // nothing to flush

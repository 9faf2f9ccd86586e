// The durable Node.js receiver a merchant might write instead of hookline on PostgreSQL, for the
// postgres section of tests/bench/run-all.sh: node:http, the VRIO signature (hex HMAC-SHA256 of the
// raw body in X-Webhook-Signature) checked with crypto and timingSafeEqual as receiver.mjs does,
// JSON.parse, then one `INSERT ... ON CONFLICT (event_id) DO NOTHING` per request on a pg.Pool (the
// `pg` client, its default pool of 10 connections; the server's synchronous_commit decides when the
// commit is durable) before the 200. A process of its own, one per instance; the table is shared.
// Answers 200 (stored or duplicate), 401 (bad signature), 400 (not JSON or no event id), 413, 404,
// 503 (the database did not take it: the platform retries).
//
// usage: HOOKLINE_BENCH_SECRET=... node pg-receiver.mjs HOST:PORT postgresql://user@host:port/db
import pg from "pg";

import { answer, serveVrioWebhooks, signatureMatches } from "./webhook-http.mjs";

const secret = process.env.HOOKLINE_BENCH_SECRET;
const [host, port] = (process.argv[2] ?? "").split(":");
const database = process.argv[3];
if (!secret || !host || !port || !database) {
  console.error("usage: HOOKLINE_BENCH_SECRET=... node pg-receiver.mjs HOST:PORT postgresql://user@host:port/db");
  process.exit(2);
}

const pool = new pg.Pool({ connectionString: database });
await pool.query(`CREATE TABLE IF NOT EXISTS webhook_events (
  event_id    text PRIMARY KEY,
  type        text NOT NULL,
  body        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
)`);

async function receive(body, request, response) {
  if (!signatureMatches(secret, body, request.headers["x-webhook-signature"])) {
    return answer(response, 401, '{"error":"bad signature"}');
  }
  const text = body.toString("utf8");
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    return answer(response, 400, '{"error":"invalid JSON"}');
  }
  const id = event?.webhook_event_id;
  if (id === undefined || id === null || id === "") return answer(response, 400, '{"error":"no webhook_event_id"}');
  try {
    const stored = await pool.query(
      "INSERT INTO webhook_events (event_id, type, body) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
      [String(id), String(event.webhook_event ?? ""), text],
    );
    return answer(response, 200, stored.rowCount === 1 ? '{"status":"accepted"}' : '{"status":"duplicate"}');
  } catch (error) {
    console.error(`not stored: ${error.message}`);
    return answer(response, 503, '{"error":"store unavailable"}');
  }
}

const server = serveVrioWebhooks(host, port, "node pg receiver", receive);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => pool.end().then(() => process.exit(0)));
    server.closeIdleConnections();
  });
}

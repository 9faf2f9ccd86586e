// Peer: what a merchant writes by hand with Node.js built-ins: the Standard Webhooks check with
// crypto.createHmac and timingSafeEqual, a timestamp tolerance, then JSON.parse.
import { createHmac, timingSafeEqual } from "node:crypto";
import { messageId, readBody, run, secret } from "./common.mjs";

const body = readBody();
const key = Buffer.from(secret.slice("whsec_".length), "base64");
const toleranceSeconds = 300;

function signature(id, timestamp, payload) {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(payload).digest();
}

const timestamp = String(Math.floor(Date.now() / 1000));
const headers = {
  "webhook-id": messageId,
  "webhook-timestamp": timestamp,
  "webhook-signature": `v1,${signature(messageId, timestamp, body).toString("base64")}`,
};

function verifyAndParse(payload, received) {
  const id = received["webhook-id"];
  const sent = received["webhook-timestamp"];
  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number.parseInt(sent, 10)) > toleranceSeconds) throw new Error("timestamp out of tolerance");
  const expected = signature(id, sent, payload);
  for (const entry of received["webhook-signature"].split(" ")) {
    const [version, value] = entry.split(",");
    if (version !== "v1") continue;
    const candidate = Buffer.from(value, "base64");
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return JSON.parse(payload);
  }
  throw new Error("no matching signature");
}

let sink = 0;
run("node crypto + JSON.parse", body, () => {
  sink += verifyAndParse(body, headers) ? 1 : 0;
});
if (sink === 0) process.exit(1);

// Peer: the `standardwebhooks` package; Webhook.verify checks the signature and returns JSON.parse(body).
import { Webhook } from "standardwebhooks";
import { messageId, readBody, run, secret } from "./common.mjs";

const body = readBody();
const webhook = new Webhook(secret);
const timestamp = new Date();
const headers = {
  "webhook-id": messageId,
  "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
  "webhook-signature": webhook.sign(messageId, timestamp, body),
};
let sink = 0;
run("standardwebhooks", body, () => {
  sink += webhook.verify(body, headers) ? 1 : 0;
});
if (sink === 0) process.exit(1);

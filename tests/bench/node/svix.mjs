// Peer: the `svix` package; Webhook.verify checks the signature only, so JSON.parse follows it.
import { Webhook } from "svix";
import { messageId, readBody, run, secret } from "./common.mjs";

const body = readBody();
const webhook = new Webhook(secret);
const timestamp = new Date();
const headers = {
  "svix-id": messageId,
  "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
  "svix-signature": webhook.sign(messageId, timestamp, body),
};
let sink = 0;
run("svix", body, () => {
  webhook.verify(body, headers);
  sink += JSON.parse(body) ? 1 : 0;
});
if (sink === 0) process.exit(1);

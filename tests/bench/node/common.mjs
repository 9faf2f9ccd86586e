// The timing method shared by the Node.js peers, the same as `hookline bench`: sign the body once,
// check one event succeeds, size a batch to last about 20 ms, time `rounds` batches and print the
// median cost of one event (verify + parse) as the last line, `median_ns_per_event: N`.
import { readFileSync } from "node:fs";

/** The Standard Webhooks secret every peer verifies with (base64 of 32 bytes, as hookline bench uses). */
export const secret = "whsec_aG9va2xpbmUgYmVuY2ggc2VjcmV0IDMyIGJ5dGVzISE=";
/** The message id every peer signs. */
export const messageId = "msg_hookline_bench";

/** The body named on the command line, as a string (what a Node.js framework hands a handler). */
export function readBody() {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: node ${process.argv[1]} FILE`);
    process.exit(2);
  }
  return readFileSync(file, "utf8");
}

function timeBatch(event, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) event();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Times `event` (which throws on failure) and prints the figures, the median last. */
export function run(name, body, event, rounds = 21) {
  event();
  let iterations = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    timeBatch(event, iterations);
    if (Number(process.hrtime.bigint() - start) >= 20e6) break;
    iterations *= 2;
  }
  const perEvent = [];
  for (let round = 0; round < rounds; round++) perEvent.push(timeBatch(event, iterations));
  perEvent.sort((a, b) => a - b);
  console.log(`peer: ${name}`);
  console.log(`node: ${process.version}`);
  console.log(`bytes: ${Buffer.byteLength(body)}`);
  console.log(`events_per_round: ${iterations}`);
  console.log(`rounds: ${rounds}`);
  console.log(`min_ns_per_event: ${Math.round(perEvent[0])}`);
  console.log(`max_ns_per_event: ${Math.round(perEvent[perEvent.length - 1])}`);
  console.log(`median_ns_per_event: ${Math.round(perEvent[Math.floor(perEvent.length / 2)])}`);
}

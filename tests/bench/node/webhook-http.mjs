// What the Node.js receivers of the benchmarks share, written as a merchant would: the node:http
// server that reads a VRIO delivery's raw body (at most 1 MiB), the signature check (hex HMAC-SHA256
// of the raw body in X-Webhook-Signature, compared with timingSafeEqual) and the JSON answers.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const maxBodyBytes = 1 << 20;

/** Writes a JSON answer with its length. */
export function answer(response, status, body) {
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

/** True when `header` is the hex HMAC-SHA256 of `body` under `secret`. */
export function signatureMatches(secret, body, header) {
  if (typeof header !== "string") return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(header, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serves POST /webhooks/vrio on HOST:PORT, handing each whole body to `receive(body, request,
 * response)`, and GET /readyz; `name` is what the listening line calls the receiver. Returns the server.
 */
export function serveVrioWebhooks(host, port, name, receive) {
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/readyz") return answer(response, 200, '{"status":"ready"}');
    if (request.method !== "POST" || request.url !== "/webhooks/vrio") return answer(response, 404, '{"error":"not found"}');
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        answer(response, 413, '{"error":"too large"}');
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (size <= maxBodyBytes) receive(Buffer.concat(chunks, size), request, response);
    });
  });
  server.listen(Number(port), host, () => console.error(`${name} listening on http://${host}:${port}`));
  return server;
}

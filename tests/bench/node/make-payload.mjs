// Writes a VRIO shipment_scheduled payload of about BYTES bytes (never more) to OUT: the sample from
// samples/vrio with as many distinct shipment_items as fit, pretty-printed like the samples.
// usage: node make-payload.mjs SAMPLE BYTES OUT
import { readFileSync, writeFileSync } from "node:fs";

const [sample, bytesText, out] = process.argv.slice(2);
if (!sample || !bytesText || !out) {
  console.error("usage: node make-payload.mjs SAMPLE BYTES OUT");
  process.exit(2);
}
const target = Number.parseInt(bytesText, 10);
const template = JSON.parse(readFileSync(sample, "utf8"));
const item = template.webhook_data.shipment.shipment_items[0];

function withItems(count) {
  const payload = structuredClone(template);
  payload.webhook_data.shipment.shipment_items = Array.from({ length: count }, (_, i) => ({
    ...item,
    shipment_item_id: item.shipment_item_id + i,
    item_id: item.item_id + i,
    item_sku: `SUP-${String(i + 1).padStart(4, "0")}`,
  }));
  return `${JSON.stringify(payload, null, 2)}\n`;
}

let count = 1;
while (Buffer.byteLength(withItems(count + 1)) <= target) count++;
const text = withItems(count);
if (Buffer.byteLength(text) > target) {
  console.error(`the sample alone is larger than ${target} bytes`);
  process.exit(1);
}
writeFileSync(out, text);
console.log(`${out}: ${Buffer.byteLength(text)} bytes, ${count} shipment_items`);

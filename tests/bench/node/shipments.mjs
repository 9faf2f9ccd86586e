// Counts the simulator's shipments (the JSON array of GET /api/shipments on stdin) for the burst
// benchmark (tests/bench/run-all.sh, section burst). Prints one line:
//   due=N shipped=N tracking_posts=N tracking_effective=N
// due: shipments neither cancelled nor skipped whose date_scheduled is at or before NOW (the
// platform's "YYYY-MM-DD HH:MM:SS", UTC), i.e. those a fulfillment server must ship.
//
// usage: curl -s .../api/shipments | node shipments.mjs 'YYYY-MM-DD HH:MM:SS'
import { readFileSync } from "node:fs";

const now = process.argv[2];
if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(now ?? "")) {
  console.error("usage: node shipments.mjs 'YYYY-MM-DD HH:MM:SS' < shipments.json");
  process.exit(2);
}
const shipments = JSON.parse(readFileSync(0, "utf8"));
let due = 0, shipped = 0, posts = 0, effective = 0;
for (const shipment of shipments) {
  const open = shipment.shipment_status_id !== "Cancelled" && shipment.shipment_status_id !== "Skipped";
  if (open && shipment.date_scheduled !== null && shipment.date_scheduled <= now) due++;
  if (shipment.shipment_status_id === "Shipped") shipped++;
  posts += shipment.tracking_posts;
  effective += shipment.tracking_posts_effective;
}
console.log(`due=${due} shipped=${shipped} tracking_posts=${posts} tracking_effective=${effective}`);

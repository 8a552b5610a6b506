// `pnpm bench:load` — N API processes ("function instances", one pooled connection each)
// behind a PgBouncer of its own in transaction mode whose server pool is smaller than N,
// M concurrent clients running the mix (sessions.list, sessions.byId, bookings.create,
// bookings.cancel, bookings.mine) for a bounded time or count. Prints numbers; it fails
// (exit 1) only when correctness does: an error answer, overbooking, counters that differ
// from the rows, two active bookings for one user in one session, an instance that does not
// drain and close its database on SIGTERM after the run.
//
//   pnpm bench:load [-- --instances 6 --clients 48 --pool 4 --duration 20 --requests 0 --capacities 5,10,20,50]
//   --entry <server.mjs> runs another build of the server (e.g. a copy of apps/api/dist from before a change)
//
// Needs the shared Postgres on 5432 and `pgbouncer` installed; builds nothing itself
// (the root script builds dist/server.mjs first).
import { parseArgs } from "node:util";
import {
  LOAD_PROCEDURES,
  bookingInvariants,
  runLoad,
  sessionOccupancy,
  startLoadRig,
  summarizeCalls,
} from "@s3ssions/testing";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "6" },
    clients: { type: "string", default: "48" },
    pool: { type: "string", default: "4" },
    duration: { type: "string", default: "20" },
    requests: { type: "string", default: "0" },
    capacities: { type: "string", default: "5,10,20,50,100,200" },
    "users-per-client": { type: "string", default: "3" },
    entry: { type: "string" },
  },
  allowPositionals: true,
});

function wholeNumber(name: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

const instances = wholeNumber("instances", values.instances, 1);
const clients = wholeNumber("clients", values.clients, 1);
const pool = wholeNumber("pool", values.pool, 1);
const durationS = wholeNumber("duration", values.duration, 0);
const requests = wholeNumber("requests", values.requests, 0);
const usersPerClient = wholeNumber("users-per-client", values["users-per-client"], 1);
const capacities = String(values.capacities)
  .split(",")
  .map((c) => wholeNumber("capacities", c.trim(), 1));
if (durationS === 0 && requests === 0) throw new Error("set --duration or --requests");

const pad = (value: unknown, width: number) => String(value).padStart(width);
const padEnd = (value: unknown, width: number) => String(value).padEnd(width);
const ms = (value: number) => (Number.isNaN(value) ? "-" : value.toFixed(1));

process.stderr.write(
  `starting ${instances} instances (connection_limit=1) behind PgBouncer pool ${pool}, ${capacities.length} sessions…\n`,
);
const rig = await startLoadRig({ instances, poolSize: pool, capacities, label: "bench", entry: values.entry });
let failed = false;
try {
  process.stderr.write(
    `running ${clients} clients for ${durationS ? `${durationS} s` : ""}${durationS && requests ? " or " : ""}${requests ? `${requests} requests` : ""}…\n`,
  );
  const result = await runLoad({
    instances: rig.instances.map((api) => api.baseUrl),
    clients,
    sessionIds: rig.sessionIds,
    jwtSecret: rig.jwtSecret,
    usersPerClient,
    ...(durationS ? { durationMs: durationS * 1000 } : {}),
    ...(requests ? { requests } : {}),
  });
  const summary = summarizeCalls(result.calls);
  const statuses = [...new Set(result.calls.map((c) => String(c.status)))].sort();
  const errors = result.calls.filter((c) => c.status !== 200);

  const lines: string[] = [];
  lines.push("");
  lines.push(
    `load: ${instances} instances × connection_limit=1 → PgBouncer (transaction mode, server pool ${pool}) → Postgres; ` +
      `${clients} clients, ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  lines.push("");
  const head = `${padEnd("procedure", 16)}${pad("requests", 9)}${statuses.map((s) => pad(s === "0" ? "no-ans" : s, 7)).join("")}${pad("req/s", 8)}${pad("p50 ms", 9)}${pad("p95 ms", 9)}${pad("p99 ms", 9)}`;
  lines.push(head);
  lines.push("-".repeat(head.length));
  for (const row of summary) {
    if (row.procedure === "all") lines.push("-".repeat(head.length));
    lines.push(
      `${padEnd(row.procedure, 16)}${pad(row.requests, 9)}${statuses.map((s) => pad(row.statuses[s] ?? 0, 7)).join("")}` +
        `${pad((row.requests / (result.elapsedMs / 1000)).toFixed(1), 8)}${pad(ms(row.p50), 9)}${pad(ms(row.p95), 9)}${pad(ms(row.p99), 9)}`,
    );
  }
  lines.push("");
  const byStatus = Object.fromEntries(
    statuses.filter((s) => s !== "200").map((s) => [s, result.calls.filter((c) => String(c.status) === s).length]),
  );
  lines.push(`errors by status: ${errors.length === 0 ? "none" : JSON.stringify(byStatus)}`);
  if (errors.length > 0) {
    const codes: Record<string, number> = {};
    for (const e of errors)
      codes[`${e.procedure} ${e.status} ${e.code ?? ""}`.trim()] =
        (codes[`${e.procedure} ${e.status} ${e.code ?? ""}`.trim()] ?? 0) + 1;
    for (const [key, count] of Object.entries(codes)) lines.push(`  ${key}: ${count}`);
  }

  const occupancy = await sessionOccupancy(rig.tdb.directUrl);
  lines.push("");
  lines.push(
    `${padEnd("session", 10)}${pad("capacity", 9)}${pad("confirmed", 10)}${pad("waitlist", 9)}${pad("cancelled", 10)}${pad("overbooked", 11)}`,
  );
  for (const s of occupancy) {
    lines.push(
      `${padEnd(s.id.slice(0, 8), 10)}${pad(s.capacity, 9)}${pad(s.confirmedRows, 10)}${pad(s.waitlistedRows, 9)}${pad(s.cancelledRows, 10)}${pad(Math.max(0, s.confirmedRows - s.capacity), 11)}`,
    );
  }
  const invariants = await bookingInvariants(rig.tdb.directUrl);
  lines.push("");
  lines.push(
    `overbooked sessions: ${invariants.overbooked.length}; counters ≠ rows: ${invariants.counterDrift.length}; ` +
      `seat free while someone waits: ${invariants.missedPromotion.length}; ` +
      `users with two active bookings in a session: ${invariants.doubleActive.length}`,
  );
  lines.push(
    `bookings answered 200: ${result.bookings.size} distinct; mix: ${LOAD_PROCEDURES.map((p) => `${p} ${summary.find((r) => r.procedure === p)?.requests ?? 0}`).join(", ")}`,
  );
  // What a client that stops mid-run leaves behind: requests still in flight at SIGTERM, and
  // whether each instance drained and closed its database.
  const shutdowns = await rig.stopInstances();
  const undrained = shutdowns.filter((s) => !s.drained || s.exitCode !== 0).length;
  lines.push(
    `after the run, SIGTERM: in flight ${shutdowns.map((s) => s.inFlightAtSignal ?? "?").join("/")}; ` +
      `drained, database closed and exit 0: ${shutdowns.length - undrained}/${shutdowns.length}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  failed =
    undrained > 0 ||
    errors.length > 0 ||
    invariants.overbooked.length > 0 ||
    invariants.counterDrift.length > 0 ||
    invariants.missedPromotion.length > 0 ||
    invariants.doubleActive.length > 0;
} finally {
  await rig.close();
}
process.exit(failed ? 1 : 0);

/** Before anything is timed: every side must answer every route alike, or the ratios compare different work. */
import { Agent } from "node:http";
import { send, shapeOf } from "../harness.js";
import { ROUTES } from "../routes.js";
import type { Side } from "./sides.js";

/** Same status, same JSON shape (keys and value types) from every side, per route; returns what differs. */
export async function compareShapes(sides: Side[]): Promise<string[]> {
  const notes: string[] = [];
  for (const route of ROUTES) {
    const shapes: string[] = [];
    for (const side of sides) {
      const agent = new Agent({ keepAlive: false });
      const reply = await send(agent, side.server.port, route.next(side.data), true);
      if (reply.status !== 200)
        notes.push(`${route.name}: ${side.key} answered ${reply.status}: ${reply.body?.slice(0, 200)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.body ?? "");
      } catch {
        parsed = reply.body;
      }
      if (route.name === "sessions.list") {
        const items = (parsed as { result?: { data?: { json?: { items?: unknown[] } } } })?.result?.data?.json?.items;
        if (items?.length !== 20) notes.push(`sessions.list: ${side.key} returned ${items?.length} items, not 20`);
      }
      // Volatile values aside (uptime, latency), the shapes must match.
      shapes.push(JSON.stringify(shapeOf(parsed)));
    }
    for (let i = 1; i < sides.length; i++) {
      if (shapes[i] !== shapes[0])
        notes.push(
          `${route.name}: response shapes differ\n    ${sides[0]!.key.padEnd(5)} ${shapes[0]}\n    ${sides[i]!.key.padEnd(5)} ${shapes[i]}`,
        );
    }
  }
  return notes;
}

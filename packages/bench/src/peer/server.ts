/**
 * The peer: what a developer gets by following the tRPC v11 and Prisma 7 docs for the same
 * routes, with no tuning — the standalone adapter (`createHTTPServer`), superjson, zod
 * input, `new PrismaClient({ adapter: new PrismaPg(...) })` (Prisma's default compiler
 * build, given it by the bench's bundle), `findMany` for the list, `findUnique` for one
 * session, `findMany` for the caller's bookings, `$queryRaw\`SELECT 1\`` for health, `jose`
 * for the Supabase access token, an interactive `$transaction` for a booking (its row lock
 * through `$queryRaw … FOR UPDATE`, which Prisma has no API for) and its outbox task
 * completed after the response. No request log, no security headers.
 * Same schema and seed as ours; bundled by the bench into one file.
 * Env: SUPABASE_DB_URL_TRANSACTION, SUPABASE_JWT_SECRET, PORT (0 = any), HOST.
 */
import type { AddressInfo } from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";
import { initTRPC, TRPCError } from "@trpc/server";
import { type CreateHTTPContextOptions, createHTTPServer } from "@trpc/server/adapters/standalone";
import { jwtVerify } from "jose";
import superjson from "superjson";
import { z } from "zod";
import { PrismaClient } from "../../../db/src/generated/prisma/client.js";

const adapter = new PrismaPg({ connectionString: process.env.SUPABASE_DB_URL_TRANSACTION });
const prisma = new PrismaClient({ adapter });
const jwtSecret = new TextEncoder().encode(process.env.SUPABASE_JWT_SECRET);
const startedAt = Date.now();
let served = 0;

async function createContext({ req }: CreateHTTPContextOptions) {
  const authorization = req.headers.authorization;
  let userId: string | null = null;
  if (authorization?.startsWith("Bearer ")) {
    try {
      const { payload } = await jwtVerify(authorization.slice(7), jwtSecret, { audience: "authenticated" });
      userId = payload.sub ?? null;
    } catch {
      userId = null;
    }
  }
  return { userId };
}

const t = initTRPC.context<typeof createContext>().create({ transformer: superjson });
const publicProcedure = t.procedure;
const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: "UNAUTHORIZED" });
  return next({ ctx: { userId: ctx.userId } });
});

/** The outbox task of a booking, after the response. */
async function completeTask(id: string) {
  await prisma.task.update({ where: { id }, data: { status: "running", attempts: { increment: 1 } } });
  await prisma.task.update({ where: { id }, data: { status: "done", completedAt: new Date() } });
}

const appRouter = t.router({
  sessions: t.router({
    list: publicProcedure
      .input(
        z.object({
          limit: z.number().int().min(1).max(100).default(20),
          cursor: z.string().uuid().nullish(),
        }),
      )
      .query(async ({ input }) => {
        const sessions = await prisma.session.findMany({
          where: { startsAt: { gte: new Date() }, status: "scheduled" },
          orderBy: [{ startsAt: "asc" }, { id: "asc" }],
          take: input.limit + 1,
          ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
        });
        const items = sessions.slice(0, input.limit);
        return {
          items: items.map((session) => ({
            ...session,
            seatsLeft: Math.max(0, session.capacity - session.confirmedCount),
          })),
          nextCursor: sessions.length > input.limit ? (items.at(-1)?.id ?? null) : null,
        };
      }),
    byId: publicProcedure.input(z.object({ id: z.string().uuid() })).query(async ({ input }) => {
      const session = await prisma.session.findUnique({ where: { id: input.id } });
      if (!session) throw new TRPCError({ code: "NOT_FOUND", message: "Session not found" });
      return { ...session, seatsLeft: Math.max(0, session.capacity - session.confirmedCount) };
    }),
  }),
  bookings: t.router({
    mine: protectedProcedure
      .input(z.object({ limit: z.number().int().min(1).max(100).default(20) }))
      .query(async ({ ctx, input }) => {
        const bookings = await prisma.booking.findMany({
          where: { userId: ctx.userId },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: input.limit + 1,
          select: { id: true, sessionId: true, userId: true, status: true, createdAt: true, updatedAt: true },
        });
        const items = bookings.slice(0, input.limit);
        return { items, nextCursor: bookings.length > input.limit ? (items.at(-1)?.id ?? null) : null };
      }),
    create: protectedProcedure.input(z.object({ sessionId: z.string().uuid() })).mutation(async ({ ctx, input }) => {
      const { booking, taskId } = await prisma.$transaction(async (tx) => {
        const [session] = await tx.$queryRaw<
          {
            id: string;
            host_id: string;
            title: string;
            starts_at: Date;
            capacity: number;
            status: string;
            confirmed_count: number;
          }[]
        >`SELECT id::text, host_id::text, title, starts_at, capacity, status::text, confirmed_count
            FROM sessions WHERE id = ${input.sessionId}::uuid FOR UPDATE`;
        if (!session) throw new TRPCError({ code: "NOT_FOUND", message: "Session not found" });
        const select = { id: true, sessionId: true, userId: true, status: true, createdAt: true, updatedAt: true };
        const existing = await tx.booking.findFirst({
          where: { sessionId: session.id, userId: ctx.userId, status: { not: "cancelled" } },
          select,
        });
        if (existing) return { booking: existing, taskId: null };
        if (session.status === "cancelled" || session.starts_at <= new Date()) {
          throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The session cannot be booked" });
        }
        const status = session.confirmed_count < session.capacity ? "confirmed" : "waitlisted";
        const booking = await tx.booking.create({
          data: { sessionId: session.id, userId: ctx.userId, status },
          select,
        });
        await tx.session.update({
          where: { id: session.id },
          data: status === "confirmed" ? { confirmedCount: { increment: 1 } } : { waitlistCount: { increment: 1 } },
        });
        const task = await tx.task.create({
          data: {
            kind: `booking.${status}`,
            payload: {
              booking: {
                ...booking,
                createdAt: booking.createdAt.toISOString(),
                updatedAt: booking.updatedAt.toISOString(),
              },
              session: {
                id: session.id,
                hostId: session.host_id,
                title: session.title,
                startsAt: session.starts_at.toISOString(),
              },
            },
          },
          select: { id: true },
        });
        return { booking, taskId: task.id };
      });
      if (taskId) void completeTask(taskId).catch(() => {});
      return booking;
    }),
  }),
});

export type AppRouter = typeof appRouter;

const DEPLOYMENT = {
  platform: "vercel_serverless",
  mode: "unified_engine",
  engine: "supabase_transaction_6543",
  config: "statement_cache_size_0_pgbouncer_optimized",
};

const server = createHTTPServer({
  router: appRouter,
  createContext,
  basePath: "/api/trpc/",
  // The two plain routes, in front of tRPC (the adapter's Connect-style middleware).
  middleware(req, res, next) {
    const coldStart = served++ === 0;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/health") {
      return reply(200, {
        status: "ok",
        platform: DEPLOYMENT.platform,
        mode: DEPLOYMENT.mode,
        environment: process.env.APP_ENV ?? "development",
        version: process.env.VERCEL_GIT_COMMIT_SHA ?? "dev",
        region: process.env.VERCEL_REGION ?? "local",
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        coldStart,
      });
    }
    if (req.url === "/health/db") {
      const started = performance.now();
      const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
      prisma.$queryRaw`SELECT 1`.then(
        () => reply(200, { status: "ok", database: "connected", ...DEPLOYMENT, latencyMs: latencyMs() }),
        () => reply(503, { status: "error", database: "disconnected", reason: "database unreachable" }),
      );
      return;
    }
    next();
  },
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "0.0.0.0", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ level: "info", msg: "listening", port })}\n`);
});

process.once("SIGTERM", async () => {
  server.close();
  server.closeIdleConnections();
  await prisma.$disconnect();
  process.exit(0);
});

// Type-level tests, checked by tsc (vitest `typecheck`): the built declarations against
// the server's own router types.

import type { inferRouterInputs, inferRouterOutputs, TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { describe, expectTypeOf, test } from "vitest";
import type {
  BookingDto as ServerBookingDto,
  AppRouter as ServerRouter,
  SessionDto as ServerSessionDto,
} from "@s3ssions/api";
import {
  type BookingDto,
  createClient,
  type DatabaseHealth,
  type ERROR_CODES,
  getErrorCode,
  isS3ssionsError,
  type RouterInputs,
  type RouterOutputs,
  type S3ssionsClient,
  type S3ssionsError,
  type S3ssionsErrorCode,
  type S3ssionsErrorData,
  type ServiceHealth,
  type SessionDto,
  type SessionPage,
} from "../dist/index.js";

declare const client: S3ssionsClient;

describe("inputs", () => {
  test("are exactly the router's", () => {
    expectTypeOf<RouterInputs>().toEqualTypeOf<inferRouterInputs<ServerRouter>>();
  });

  test("are what the procedures take", () => {
    expectTypeOf(client.bookings.create.mutate).parameter(0).toEqualTypeOf<{ sessionId: string }>();
    expectTypeOf(client.sessions.list.query).parameter(0).toEqualTypeOf<RouterInputs["sessions"]["list"]>();
    // Optional as a whole (the schema has a default): `void` lets `query()` go without one.
    expectTypeOf<RouterInputs["sessions"]["list"]>().toEqualTypeOf<
      // biome-ignore lint/suspicious/noConfusingVoidType: tRPC's own spelling of an optional input
      | void
      | {
          from?: string | Date | undefined;
          to?: string | Date | undefined;
          hostId?: string | undefined;
          includeCancelled?: boolean | undefined;
          cursor?: string | null | undefined;
          direction?: "forward" | undefined;
          limit?: number | undefined;
        }
      | undefined
    >();
  });

  test("wrong inputs do not compile", () => {
    const wrong = () => {
      // @ts-expect-error sessionId is a string
      client.bookings.create.mutate({ sessionId: 1 });
      // @ts-expect-error unknown field
      client.bookings.create.mutate({ sessionId: "x", seats: 2 });
      // @ts-expect-error required input
      client.sessions.byId.query();
      // @ts-expect-error capacity is a number
      client.sessions.update.mutate({ id: "x", capacity: "10" });
      // @ts-expect-error no such procedure
      client.sessions.delete.mutate({ id: "x" });
      // @ts-expect-error mutations are not queries
      client.bookings.create.query({ sessionId: "x" });
    };
    expectTypeOf(wrong).toBeFunction();
  });
});

describe("outputs", () => {
  test("are exactly the router's", () => {
    expectTypeOf<RouterOutputs>().toEqualTypeOf<inferRouterOutputs<ServerRouter>>();
  });

  test("the DTOs are the server's DTOs, dates included", () => {
    expectTypeOf<SessionDto>().toEqualTypeOf<ServerSessionDto>();
    expectTypeOf<BookingDto>().toEqualTypeOf<ServerBookingDto>();
    expectTypeOf<SessionDto["startsAt"]>().toEqualTypeOf<Date>();
    expectTypeOf<SessionPage>().toEqualTypeOf<{ items: SessionDto[]; nextCursor: string | null }>();
    expectTypeOf(client.bookings.create.mutate).returns.resolves.toEqualTypeOf<BookingDto>();
    expectTypeOf(client.health.db.query).returns.resolves.toEqualTypeOf<DatabaseHealth>();
    expectTypeOf<DatabaseHealth["status"]>().toEqualTypeOf<"ok">();
  });
});

describe("errors", () => {
  test("codes are tRPC's codes, as the server's error data carries them", () => {
    expectTypeOf<S3ssionsErrorCode>().toEqualTypeOf<TRPC_ERROR_CODE_KEY>();
    expectTypeOf<(typeof ERROR_CODES)[number]>().toEqualTypeOf<S3ssionsErrorCode>();
    expectTypeOf<S3ssionsErrorData["code"]>().toEqualTypeOf<S3ssionsErrorCode>();
    expectTypeOf<S3ssionsErrorData>().toEqualTypeOf<
      NonNullable<ServerRouter["_def"]["_config"]["$types"]["errorShape"]["data"]>
    >();
  });

  test("helpers branch on codes and narrow to the SDK's error", () => {
    expectTypeOf(getErrorCode).returns.toEqualTypeOf<S3ssionsErrorCode | null>();
    expectTypeOf(isS3ssionsError).parameter(1).toEqualTypeOf<S3ssionsErrorCode | undefined>();
    const error: unknown = new Error();
    if (isS3ssionsError(error, "CONFLICT")) {
      expectTypeOf(error).toEqualTypeOf<S3ssionsError>();
      expectTypeOf(error.data?.requestId).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(error.data?.httpStatus).toEqualTypeOf<number | undefined>();
    }
    // @ts-expect-error not an error code
    isS3ssionsError(error, "TEAPOT");
  });
});

describe("createClient", () => {
  test("returns the typed client and checks its options", () => {
    expectTypeOf(createClient).returns.toEqualTypeOf<S3ssionsClient>();
    expectTypeOf(createClient).toBeCallableWith({ url: "https://api.example.com", getAccessToken: async () => null });
    // @ts-expect-error url is required
    createClient({ getAccessToken: () => "token" });
    // @ts-expect-error a token getter returns a string
    createClient({ url: "https://api.example.com", getAccessToken: () => 42 });
  });
});

describe("health outputs", () => {
  test("are the procedures' outputs, by name", () => {
    expectTypeOf<ServiceHealth>().toEqualTypeOf<RouterOutputs["health"]["check"]>();
    expectTypeOf<DatabaseHealth>().toEqualTypeOf<RouterOutputs["health"]["db"]>();
  });
});

describe("sessions.live", () => {
  test("subscribe is typed end to end: tracked events with the session's public seats", () => {
    client.sessions.live.subscribe(
      { ids: ["8d3f2a4e-0000-4000-8000-000000000000"] },
      {
        onData(event) {
          expectTypeOf(event.id).toEqualTypeOf<string>();
          expectTypeOf(event.data.seatsLeft).toEqualTypeOf<number>();
          expectTypeOf(event.data.updatedAt).toEqualTypeOf<Date>();
          expectTypeOf(event.data.status).toEqualTypeOf<"scheduled" | "cancelled">();
          // @ts-expect-error the meeting link is never in a live event
          event.data.onlineUrl;
        },
      },
    );
    // @ts-expect-error ids are required
    client.sessions.live.subscribe({}, {});
  });
});

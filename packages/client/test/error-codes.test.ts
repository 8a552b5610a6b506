// The SDK's code table is written by hand (it ships no @trpc/server code): it must say
// what tRPC's own runtime table says.
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { HTTP_CODE_TO_JSONRPC2, JSONRPC2_TO_HTTP_CODE } from "@trpc/server/unstable-core-do-not-import";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, getErrorCode, HTTP_STATUS_BY_CODE } from "../src/errors.js";

describe("the SDK's error codes", () => {
  it("are tRPC's codes, each with tRPC's HTTP status", () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(TRPC_ERROR_CODES_BY_KEY).sort());
    expect(HTTP_STATUS_BY_CODE).toEqual(JSONRPC2_TO_HTTP_CODE);
  });

  it("a bare HTTP status (a gateway's answer) stands for the code tRPC gives it", () => {
    for (const [status, code] of Object.entries(HTTP_CODE_TO_JSONRPC2)) {
      const error = new TRPCClientError("gateway", { meta: { response: { status: Number(status) } } });
      expect(getErrorCode(error), status).toBe(code);
    }
  });
});

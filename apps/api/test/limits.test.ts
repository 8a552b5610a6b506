import { describe, expect, it } from "vitest";
import * as sdk from "../../../packages/client/src/limits.js";
import * as server from "../src/http-limits.js";

// The SDK must not import server code, so the two limits are written twice: this keeps
// them one number each. A client batch the server refuses would fail in production only.
describe("the SDK and the server agree on request limits", () => {
  it("batch size and URL length", () => {
    expect(sdk.MAX_BATCH_SIZE).toBe(server.MAX_BATCH_SIZE);
    expect(sdk.MAX_URL_LENGTH).toBe(server.MAX_URL_LENGTH);
  });
});

import { getErrorCode, isS3ssionsError } from "@s3ssions/client";
import { s3ssions } from "../../../s3ssions/server";

/** The signed-in user's bookings as JSON: a route handler calling the SDK with the session's token. */
export async function GET() {
  try {
    const page = await s3ssions.bookings.mine.query({ limit: 100 });
    return Response.json(page, { headers: { "cache-control": "private, no-store" } });
  } catch (error) {
    if (!isS3ssionsError(error)) throw error;
    const status = error.data?.httpStatus ?? 502;
    return Response.json({ error: getErrorCode(error) ?? "UNAVAILABLE" }, { status });
  }
}

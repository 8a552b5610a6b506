"use client";
import { getErrorCode } from "@s3ssions/client";

/** A query the page cannot do without failed (in production, Next hides the message behind a digest). */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main>
      <p id="message" role="alert">
        Could not load the page ({getErrorCode(error) ?? error.digest ?? "network error"}).
      </p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}

"use client";
import { getErrorCode, getFieldErrors, isS3ssionsError } from "@s3ssions/client";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../s3ssions/browser";

const HOUR = 3_600_000;

/** Host a session: the API's validation comes back field by field, shown next to each field. */
export function HostForm() {
  const trpc = useTRPC();
  const [title, setTitle] = useState("");
  const [capacity, setCapacity] = useState("10");
  const create = useMutation(trpc.sessions.create.mutationOptions());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // A month ahead, so the new session joins the end of the list.
    const startsAt = new Date(Date.now() + 30 * 24 * HOUR);
    create.mutate({
      title,
      capacity: Number(capacity),
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
  };

  const fields = getFieldErrors(create.error);
  const problem = (name: string) =>
    fields[name] ? (
      <span className="field-error" data-field={name}>
        {fields[name]?.join("; ")}
      </span>
    ) : null;

  return (
    <section aria-labelledby="host-title">
      <h2 id="host-title">Host a session</h2>
      <form id="host-form" onSubmit={submit} noValidate>
        <label htmlFor="host-title-input">Title</label>
        <input id="host-title-input" value={title} onChange={(event) => setTitle(event.target.value)} />
        {problem("title")}
        <label htmlFor="host-capacity">Seats</label>
        <input
          id="host-capacity"
          type="number"
          value={capacity}
          onChange={(event) => setCapacity(event.target.value)}
        />
        {problem("capacity")}
        <button type="submit" disabled={create.isPending}>
          Create
        </button>
      </form>
      <p id="host-result" role="status" data-status={create.status}>
        {create.isSuccess
          ? `Created “${create.data.title}”.`
          : isS3ssionsError(create.error, "UNAUTHORIZED")
            ? "Sign in to host."
            : isS3ssionsError(create.error, "BAD_REQUEST")
              ? "Check the highlighted fields."
              : create.isError
                ? `Could not create the session (${getErrorCode(create.error) ?? "network error"}).`
                : ""}
      </p>
    </section>
  );
}

import { getErrorCode } from "@s3ssions/client";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { token, useTRPC } from "./api.js";
import { HostForm } from "./HostForm.js";
import { SessionList } from "./SessionList.js";

function Health() {
  const trpc = useTRPC();
  // Both queries go out in one batched request.
  const check = useQuery(trpc.health.check.queryOptions());
  const db = useQuery(trpc.health.db.queryOptions());
  if (check.isPending)
    return (
      <p id="health" data-state="loading" role="status">
        Checking the API…
      </p>
    );
  if (check.isError) {
    return (
      <p id="health" data-state="down" role="status">
        API unreachable ({getErrorCode(check.error) ?? "network error"})
      </p>
    );
  }
  const api = `API ${check.data.status} (${check.data.environment}, ${check.data.region})`;
  if (db.isPending)
    return (
      <p id="health" data-state="loading" role="status">
        {api} · checking the database…
      </p>
    );
  if (db.isError) {
    return (
      <p id="health" data-state="degraded" role="status">
        {api} · database unavailable ({getErrorCode(db.error)})
      </p>
    );
  }
  return (
    <p id="health" data-state="ok" role="status">
      {api} · database {db.data.database} in {Math.round(db.data.latencyMs)} ms
    </p>
  );
}

function TokenForm({ signedIn, onChange }: { signedIn: boolean; onChange: (value: string | null) => void }) {
  const [value, setValue] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(value.trim() || null);
    setValue("");
  };
  return (
    <section aria-labelledby="auth-title">
      <h2 id="auth-title">Access token</h2>
      <form id="token-form" onSubmit={submit}>
        <label htmlFor="token">Supabase access token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit">Use token</button>
        <button type="button" id="sign-out" onClick={() => onChange(null)}>
          Sign out
        </button>
      </form>
      <p id="auth-state" data-signed-in={String(signedIn)}>
        {signedIn ? "Signed in: you can book and host." : "Signed out: you can browse, not book."}
      </p>
    </section>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => Boolean(token.get()));
  const changeToken = (value: string | null) => {
    token.set(value);
    setSignedIn(Boolean(value));
  };
  return (
    <>
      <header>
        <h1>S3SSIONS</h1>
        <Health />
      </header>
      <main>
        <TokenForm signedIn={signedIn} onChange={changeToken} />
        <SessionList />
        <HostForm />
      </main>
    </>
  );
}

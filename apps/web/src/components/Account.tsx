"use client";
import { useRouter } from "next/navigation";
import { type FormEvent, useState, useTransition } from "react";
import { useSupabase } from "../s3ssions/browser";

/**
 * Signing in and out with Supabase Auth in the browser: @supabase/ssr writes the session
 * into cookies, and a refresh re-renders the Server Components with the new session.
 */
export function Account({ signedIn }: { signedIn: boolean }) {
  const supabase = useSupabase();
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const signIn = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      const { error } = await supabase().auth.signInWithPassword({
        email: String(form.get("email")),
        password: String(form.get("password")),
      });
      setProblem(error ? error.message : null);
      if (!error) router.refresh();
    });
  };
  const signOut = () =>
    startTransition(async () => {
      await supabase().auth.signOut({ scope: "local" });
      router.refresh();
    });

  return (
    <section aria-labelledby="auth-title">
      <h2 id="auth-title">Account</h2>
      {signedIn ? (
        <button type="button" id="sign-out" onClick={signOut} disabled={pending}>
          Sign out
        </button>
      ) : (
        <form id="sign-in" onSubmit={signIn}>
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required />
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit" disabled={pending}>
            Sign in
          </button>
        </form>
      )}
      <p id="auth-state" data-signed-in={String(signedIn)} role="status">
        {problem ?? (signedIn ? "Signed in: you can book and host." : "Signed out: you can browse, not book.")}
      </p>
    </section>
  );
}

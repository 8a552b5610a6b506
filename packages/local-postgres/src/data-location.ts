import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, realpath, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { canEnter, exists, type ServerUser } from "./binaries.js";
import { EmbeddedPostgresError } from "./local-server.js";

export interface DataLocation {
  /** The folder that holds the data directory and the server log. */
  root: string;
  dataDir: string;
  /** The folder asked for, when the server user cannot enter it (the data lives in `root` instead). */
  unreachable?: string;
}

/** Survives a reboot, unlike /tmp on most systems. */
const SHARED_PARENT = "/var/tmp";

/**
 * Where the cluster lives. As root, Postgres runs as another user, and that user must be
 * able to enter the data directory's folder: a checkout under a folder only root may
 * enter (a home folder, `mktemp -d`, most containers) hides `<repo>/.data` from it. Then
 * the data lives in a root-owned folder per checkout under /var/tmp; nothing above the
 * checkout has its permissions changed.
 */
export async function dataLocation(wanted: string, owner: ServerUser | undefined): Promise<DataLocation> {
  const root = dirname(resolve(wanted));
  await mkdir(root, { recursive: true });
  if (owner) {
    const mode = (await stat(root)).mode & 0o777;
    if ((mode & 0o011) !== 0o011) await chmod(root, mode | 0o011);
  }
  const rootReal = await realpath(root);
  if (await canEnter(rootReal, owner)) return { root: rootReal, dataDir: join(rootReal, basename(wanted)) };

  const parent = (await exists(SHARED_PARENT)) ? SHARED_PARENT : tmpdir();
  const checkout = createHash("sha256").update(rootReal).digest("hex").slice(0, 12);
  const shared = join(parent, `s3ssions-${checkout}`);
  await ownFolder(shared);
  if (!(await canEnter(shared, owner))) {
    throw new EmbeddedPostgresError(
      `the ${owner?.name} user can enter neither ${rootReal} nor ${shared}: set S3SSIONS_DATA_DIR to a folder it can enter`,
    );
  }
  return { root: shared, dataDir: join(shared, basename(wanted)), unreachable: rootReal };
}

/** Creates `folder` (0711) or checks that the one there is a real folder of ours: /var/tmp is shared with everyone. */
async function ownFolder(folder: string): Promise<void> {
  await mkdir(folder, { mode: 0o711 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  const found = await lstat(folder);
  if (!found.isDirectory() || found.uid !== process.getuid?.()) {
    throw new EmbeddedPostgresError(`${folder} is not a folder owned by this user: remove it, then start again`);
  }
  await chmod(folder, 0o711);
}

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

/**
 * A copy of this checkout as `git clone` would make it once committed: tracked and new
 * files, nothing git ignores (no node_modules, no build output, no .data).
 */
export function copyCheckout(to: string): void {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(REPO_ROOT, file)));
  mkdirSync(to, { recursive: true });
  const archive = execFileSync("tar", ["--null", "-T", "-", "-cf", "-"], {
    cwd: REPO_ROOT,
    input: files.join("\0"),
    maxBuffer: 1024 * 1024 * 1024,
  });
  execFileSync("tar", ["-xf", "-", "-C", to], { input: archive });
}

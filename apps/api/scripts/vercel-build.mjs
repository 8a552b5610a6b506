// `pnpm build:vercel`: the real `vercel build`, offline, from a clean clone.
//
// `vercel build` needs a linked project (.vercel/project.json, git-ignored); without
// one it would call Vercel's API. A placeholder link is written when none exists, and
// the CLI gets a global config of its own under .vercel/cli/: telemetry off, and a
// placeholder user id so that it does not ask the API who is logged in (it does that
// for every command, retrying for seconds when offline). A real link is left alone.
// Extra arguments pass through, e.g. `pnpm build:vercel --prod`.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const vercelDir = `${root}.vercel`;
const globalConfig = `${vercelDir}/cli`;

function writeIfMissing(path, value) {
  if (!existsSync(path)) writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

mkdirSync(globalConfig, { recursive: true });
writeIfMissing(`${vercelDir}/project.json`, {
  projectId: "prj_s3ssions_local",
  orgId: "team_s3ssions_local",
  settings: { framework: null },
});
writeIfMissing(`${globalConfig}/config.json`, { telemetry: { enabled: false } });
writeIfMissing(`${globalConfig}/auth.json`, { userId: "offline" });

const cliPackage = createRequire(`${root}package.json`).resolve("vercel/package.json");
const cli = fileURLToPath(new URL("dist/vc.js", `file://${cliPackage}`));
const args = [cli, "build", "--yes", "--standalone", "--global-config", globalConfig, ...process.argv.slice(2)];

const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    VERCEL_TELEMETRY_DISABLED: "1",
    NO_UPDATE_NOTIFIER: "1",
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
  },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

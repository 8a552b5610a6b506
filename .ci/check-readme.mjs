// The README's first command, checked cheaply: packages/local-postgres/test/first-run.test.ts
// runs it in a fresh checkout, but README.md is no input of that (cached) test, so that
// editing the docs never reruns a suite. This check, part of `pnpm lint`, holds the first
// command to the line the test expects; a README that drifts fails lint instead of hiding
// behind a cached test.
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const { packageManager } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const block = readme.match(/```bash\n([\s\S]*?)```/)?.[1] ?? "";
const first =
  block
    .split("\n")
    .find((line) => line.trim() !== "" && !line.trim().startsWith("#"))
    ?.trim() ?? "";
const expected = `npm install -g ${packageManager} && pnpm install && pnpm dev`;
if (first !== expected) {
  console.error(
    `README.md: the first command is\n  ${first || "(none)"}\nbut first-run.test.ts expects\n  ${expected}`,
  );
  process.exit(1);
}
console.log(`README.md: first command ok (${expected})`);

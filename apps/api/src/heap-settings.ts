import { setFlagsFromString } from "node:v8";

// Imported first by each entry (the function, `pnpm start`, `pnpm dev`), so that it runs
// before the entry builds the API and before its first request. (In the built function the
// chunks the entry imports are evaluated first, as ES modules are: their module-level work
// is done before any load, which is where pretenuring decides.) Vercel's NODE_OPTIONS
// refuses V8 flags like this one, so it is set here, not on a command line.
//
// V8 tenures an allocation site whose objects survived its young-generation collections
// and from then on allocates that site's objects directly in the old space. Under load a
// request waits for the instance's one database connection, so the objects it made before
// waiting survive, their sites get tenured, and every later request's objects from them
// start old: whatever those point to (the statement's rows, the answer) then survives the
// young-generation collections too and is promoted, until the next full collection. On
// `sessions.list` at 32 concurrent requests (in-process, through the fetch handler) that
// was 2.4–25 KB promoted per request depending on the run, 0.9 KB in every run without
// pretenuring; `bench:ab` measured CPU per request 0.98–1.02× by route (see the README's
// bill section for `pnpm bench`).
//
// Changing a flag changes the flag hash V8 checks a code cache against, so every built-in
// module Node loads after the change is compiled from source instead of from the cache in
// the node binary. The biggest one a function loads is Node's fetch (undici, with http, tls,
// http2 and zlib under it), at its first Request or Response. On Node 22 and 24 importing
// the function does not load it, so a host that imports the function before it loads them
// paid about 20 ms more cold start (bench:cold-start, Node 24: 104 → 85 ms median, raw `pg`
// 69). A launcher that serves through node:http has them already (on Node 24 node:http
// loads undici), as packages/bench's launcher does: there this line costs nothing.
loadBeforeTheFlag(globalThis.Request, globalThis.Response);
setFlagsFromString("--no-allocation-site-pretenuring");

/** Reading Node's lazy globals is what loads them; this only names why they are read. */
function loadBeforeTheFlag(..._builtins: unknown[]): void {}

import { setFlagsFromString } from "node:v8";

// Imported first by each entry (the function, `pnpm start`, `pnpm dev`), so that it runs
// before any of the API's code. Vercel's NODE_OPTIONS refuses V8 flags like this one, so it
// is set here, not on a command line.
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
setFlagsFromString("--no-allocation-site-pretenuring");

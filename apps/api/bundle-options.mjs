// What every one-file Node bundle here shares: the API's server and function (build.mjs)
// and the bench's baselines and compiler variants. `pg` is CommonJS, so an ESM bundle
// gets a `require` of its own; `pg-native` is an optional peer that is never loaded.
export const NODE_BUNDLE = {
  bundle: true,
  platform: "node",
  format: "esm",
  minify: true,
  legalComments: "none",
  external: ["pg-native"],
  banner: {
    js: "import { createRequire as __s3CreateRequire } from 'node:module'; const require = __s3CreateRequire(import.meta.url);",
  },
  logLevel: "warning",
};

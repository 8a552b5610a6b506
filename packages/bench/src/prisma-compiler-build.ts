import { readFileSync } from "node:fs";
import type { Plugin } from "esbuild";

/** Prisma's two query-compiler builds (the generator's `compilerBuild`); "fast" is Prisma's default. */
export type CompilerBuild = "fast" | "small";

/**
 * Bundles the generated Prisma client with the given query compiler, whatever the schema
 * says: the two builds share their JS glue, only the WebAssembly differs.
 */
export function compilerBuildPlugin(wanted: CompilerBuild): Plugin {
  return {
    name: "compiler-build",
    setup(b) {
      b.onLoad({ filter: /generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, "utf8").replace(
          /query_compiler_(fast|small)_bg/g,
          `query_compiler_${wanted}_bg`,
        ),
        loader: "ts",
      }));
    },
  };
}

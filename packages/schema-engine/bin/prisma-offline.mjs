#!/usr/bin/env node
// pnpm does not link a package's own `bin` into its own node_modules/.bin, so the
// `prisma-offline` scripts of @s3ssions/db would not find @s3ssions/db's bin. This package is a
// dependency of @s3ssions/db, so its bins are linked there: forward to the real wrapper.
await import(new URL("../../db/bin/prisma-offline.mjs", import.meta.url).href);

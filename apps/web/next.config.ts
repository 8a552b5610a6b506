import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  // The SDK is an installed package (its built `dist/`), used as an app gets it from npm.
  poweredByHeader: false,
};

export default config;

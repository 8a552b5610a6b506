/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's base URL baked into a build, e.g. https://api.example.com. */
  readonly VITE_S3SSIONS_API_URL?: string;
}

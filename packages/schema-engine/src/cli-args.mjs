// Command line of the schema engine executable: the native engine's flags, as the Prisma CLI
// passes them.

/**
 * @param {string[]} argv
 */
export function parseArgs(argv) {
  /** @type {{ datamodels: string[], datasource?: string, version: boolean, help: boolean, cli?: string, previewFeatures?: string }} */
  const args = { datamodels: [], version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--version":
      case "-V":
        args.version = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      case "--datamodels":
      case "-d": {
        const v = value();
        if (v) args.datamodels.push(v);
        break;
      }
      case "--datasource":
        args.datasource = value();
        break;
      case "--enabled-preview-features":
        args.previewFeatures = value();
        break;
      case "--extension-types":
        value();
        break;
      case "cli":
        args.cli = argv[++i];
        break;
      default:
        throw new Error(`Unexpected argument: ${arg}`);
    }
  }
  return args;
}

/**
 * @param {string | undefined} json
 * @returns {{ url?: string, shadowDatabaseUrl?: string }}
 */
export function parseDatasource(json) {
  if (!json) return {};
  const parsed = JSON.parse(json);
  return {
    url: typeof parsed?.url === "string" && parsed.url ? parsed.url : undefined,
    shadowDatabaseUrl:
      typeof parsed?.shadowDatabaseUrl === "string" && parsed.shadowDatabaseUrl ? parsed.shadowDatabaseUrl : undefined,
  };
}

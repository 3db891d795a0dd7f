// The extension's pure parts, without `vscode`, unit-tested under `node --test`.
import * as fs from "fs";
import * as path from "path";

export const INSTALL_HINT =
  "schemacast was not found. Install it with `cargo install --path server` in a schemacast checkout " +
  "(or put a release binary on PATH), or set `schemacast.path` to the binary.";

export type Exists = (file: string) => boolean;

const isFile: Exists = (file) => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** The binary: the `schemacast.path` setting when set (it must exist), else the first `schemacast` on PATH. */
export function findBinary(
  setting: string | undefined,
  envPath: string | undefined,
  platform: NodeJS.Platform = process.platform,
  exists: Exists = isFile,
): string | undefined {
  if (setting && setting.trim() !== "") {
    return exists(setting) ? setting : undefined;
  }
  const names = platform === "win32" ? ["schemacast.exe", "schemacast"] : ["schemacast"];
  const separator = platform === "win32" ? ";" : ":";
  for (const dir of (envPath ?? "").split(separator)) {
    if (dir === "") continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (exists(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Reads one setting under `schemacast.`; `vscode.WorkspaceConfiguration.get` in the extension. */
export type Get = <T>(key: string) => T | undefined;

/** The server's settings (its initializationOptions and workspace/configuration section "schemacast"). */
export interface ServerSettings {
  dialect?: string;
  stats?: string;
  rules?: Record<string, string>;
  inlayHints: { enabled: boolean; tables: boolean; columns: boolean; padding: boolean };
}

export function serverSettings(get: Get): ServerSettings {
  const settings: ServerSettings = {
    inlayHints: {
      enabled: true,
      tables: get<boolean>("inlayHints.tables") ?? true,
      columns: get<boolean>("inlayHints.columns") ?? false,
      padding: get<boolean>("inlayHints.padding") ?? true,
    },
  };
  const dialect = get<string>("dialect");
  if (dialect) settings.dialect = dialect;
  const stats = get<string>("stats");
  if (stats) settings.stats = stats;
  const rules = get<Record<string, string>>("rules");
  if (rules && Object.keys(rules).length > 0) settings.rules = { ...rules };
  return settings;
}

/** The environment of `schemacast collect`: the URL goes in DATABASE_URL, never on its command line. */
export function collectEnv(base: NodeJS.ProcessEnv, url: string): NodeJS.ProcessEnv {
  return { ...base, DATABASE_URL: url };
}

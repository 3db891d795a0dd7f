import { test } from "node:test";
import * as assert from "node:assert/strict";
import { collectEnv, findBinary, serverSettings } from "../src/config";

test("the path setting wins when the file exists", () => {
  const exists = (f: string) => f === "/opt/sc" || f === "/usr/bin/schemacast";
  assert.equal(findBinary("/opt/sc", "/usr/bin", "linux", exists), "/opt/sc");
  assert.equal(findBinary("/missing", "/usr/bin", "linux", exists), undefined);
});

test("else the first schemacast on PATH", () => {
  const exists = (f: string) => f === "/b/schemacast" || f === "/c/schemacast";
  assert.equal(findBinary("", "/a::/b:/c", "linux", exists), "/b/schemacast");
  assert.equal(findBinary(undefined, "/a", "linux", exists), undefined);
  assert.equal(findBinary(undefined, undefined, "linux", exists), undefined);
});

test("on Windows PATH is split on ; and schemacast.exe is found", () => {
  const exists = (f: string) => f.endsWith("schemacast.exe");
  assert.match(findBinary("", "C:\\a;C:\\b", "win32", exists) ?? "", /schemacast\.exe$/);
});

test("settings map to the server's configuration", () => {
  const values: Record<string, unknown> = {
    dialect: "mysql",
    stats: "s.jsonl",
    rules: { "column-padding": "off" },
    "inlayHints.tables": false,
    "inlayHints.padding": false,
  };
  const get = <T>(key: string) => values[key] as T | undefined;
  assert.deepEqual(serverSettings(get), {
    dialect: "mysql",
    stats: "s.jsonl",
    rules: { "column-padding": "off" },
    inlayHints: { enabled: true, tables: false, columns: false, padding: false },
  });
});

test("empty settings leave the server's defaults", () => {
  assert.deepEqual(serverSettings(() => undefined), {
    inlayHints: { enabled: true, tables: true, columns: false, padding: true },
  });
  assert.deepEqual(serverSettings(<T>(k: string) => (k === "dialect" ? "" : k === "rules" ? {} : undefined) as T), {
    inlayHints: { enabled: true, tables: true, columns: false, padding: true },
  });
});

test("the database URL goes into the environment only", () => {
  const env = collectEnv({ PATH: "/bin" }, "postgres://u:secret@h/db");
  assert.equal(env.DATABASE_URL, "postgres://u:secret@h/db");
  assert.equal(env.PATH, "/bin");
});

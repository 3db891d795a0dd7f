// activate() against stand-ins for `vscode` and `vscode-languageclient/node` (VS Code itself
// cannot run here): the commands registered are the ones package.json contributes, the server
// is `<binary> lsp` for sql and *.ddl with the mapped settings, and a missing binary is reported.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { INSTALL_HINT } from "../src/config";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require("module");

function load(settings: Record<string, unknown>) {
  const seen = { commands: [] as string[], errors: [] as string[], clients: [] as any[] };
  const vscode = {
    workspace: {
      getConfiguration: () => ({ get: (key: string) => settings[key] }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
      getWorkspaceFolder: () => undefined,
      workspaceFolders: undefined,
    },
    window: {
      createOutputChannel: () => ({ append() {}, dispose() {} }),
      showErrorMessage: (m: string) => seen.errors.push(m),
      activeTextEditor: undefined,
    },
    commands: { registerCommand: (name: string) => (seen.commands.push(name), { dispose() {} }) },
  };
  class LanguageClient {
    constructor(id: string, name: string, server: unknown, options: unknown) {
      seen.clients.push({ id, server, options });
    }
    async start() {}
    async stop() {}
  }
  const original = Module._load;
  Module._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") return vscode;
    if (request === "vscode-languageclient/node") return { LanguageClient };
    return original.call(this, request, ...rest);
  };
  const file = require.resolve("../src/extension");
  delete require.cache[file];
  try {
    return { extension: require(file), seen };
  } finally {
    Module._load = original;
  }
}

test("activate registers the contributed commands and starts `schemacast lsp`", async () => {
  const bin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sc-")), "schemacast");
  fs.writeFileSync(bin, "");
  const { extension, seen } = load({ path: bin, dialect: "mysql", "inlayHints.columns": true });
  await extension.activate({ subscriptions: [] });
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8"));
  assert.deepEqual(seen.commands.sort(), manifest.contributes.commands.map((c: any) => c.command).sort());
  assert.equal(seen.clients.length, 1);
  const { server, options } = seen.clients[0];
  assert.deepEqual(server, { command: bin, args: ["lsp"] });
  assert.deepEqual(options.documentSelector, [
    { scheme: "file", language: "sql" },
    { scheme: "file", pattern: "**/*.ddl" },
  ]);
  assert.equal(options.initializationOptions.dialect, "mysql");
  assert.equal(options.initializationOptions.inlayHints.columns, true);
  assert.deepEqual(seen.errors, []);
});

test("a missing binary is reported with how to install it", async () => {
  const { extension, seen } = load({ path: "/nonexistent/schemacast" });
  await extension.activate({ subscriptions: [] });
  assert.equal(seen.clients.length, 0);
  assert.deepEqual(seen.errors, [INSTALL_HINT]);
});

import * as cp from "child_process";
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { INSTALL_HINT, collectEnv, findBinary, serverSettings } from "./config";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

function settings() {
  const config = vscode.workspace.getConfiguration("schemacast");
  return serverSettings((key) => config.get(key));
}

function binary(): string | undefined {
  return findBinary(vscode.workspace.getConfiguration("schemacast").get<string>("path"), process.env.PATH);
}

async function start(): Promise<void> {
  const command = binary();
  if (!command) {
    vscode.window.showErrorMessage(INSTALL_HINT);
    return;
  }
  const serverOptions: ServerOptions = { command, args: ["lsp"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "sql" },
      { scheme: "file", pattern: "**/*.ddl" },
    ],
    initializationOptions: settings(),
    outputChannel: output,
    middleware: {
      workspace: { configuration: (params) => params.items.map(() => settings()) },
    },
  };
  client = new LanguageClient("schemacast", "schemacast", serverOptions, clientOptions);
  await client.start();
}

function folder(): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  const ws = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
  return ws?.uri.fsPath ?? (uri ? path.dirname(uri.fsPath) : undefined);
}

function run(args: string[], env: NodeJS.ProcessEnv, done: (out: string) => void): void {
  const command = binary();
  const cwd = folder();
  if (!command) return void vscode.window.showErrorMessage(INSTALL_HINT);
  cp.execFile(command, args, { cwd, env }, (error, stdout, stderr) => {
    output.append(stdout + stderr);
    if (error) vscode.window.showErrorMessage(`schemacast ${args[0]} failed: ${stderr || error.message}`);
    else done(stdout);
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("schemacast");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("schemacast.restart", async () => {
      await client?.stop();
      await start();
    }),
    vscode.commands.registerCommand("schemacast.report", () => {
      const dir = path.join(folder() ?? ".", ".schemacast", "report");
      run(["report", "--output", dir], process.env, () =>
        vscode.env.openExternal(vscode.Uri.file(path.join(dir, "index.html"))),
      );
    }),
    vscode.commands.registerCommand("schemacast.collect", async () => {
      const url =
        process.env.DATABASE_URL ||
        (await vscode.window.showInputBox({ prompt: "DATABASE_URL (not stored)", password: true, ignoreFocusOut: true }));
      if (!url) return;
      run(["collect"], collectEnv(process.env, url), (out) =>
        vscode.window.showInformationMessage(out.trim() || "schemacast: stats collected"),
      );
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("schemacast")) client?.sendNotification("workspace/didChangeConfiguration", { settings: { schemacast: settings() } });
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

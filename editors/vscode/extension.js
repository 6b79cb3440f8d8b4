// Starts seg's language server (`seg lsp`, over standard input and output) for .seg files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("seg").get("path") || "seg";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "seg",
    "seg",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "seg" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.seg,seg.toml,*.toml}"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

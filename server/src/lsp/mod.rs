//! `schemacast lsp`: the language server, a thin layer over the engine.
//!
//! Requests are answered from the latest analysis of the document's migration set; edits
//! schedule a new analysis at once, run off the request path, which re-parses only the
//! statements that changed and publishes only if no newer edit arrived meanwhile.

mod capabilities;
mod code_actions;
mod completion;
mod diagnostics;
mod document;
mod hover;
mod inlay_hints;
mod navigation;
mod problems;
mod scheduling;
mod settings;
mod state;
mod stats_cache;
mod symbols;
mod transport;
mod workspace;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use clap::Args;
use serde_json::Value;
use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use document::offset;
use settings::Settings;
use state::State;

/// How long analyses wait for the client's settings after `initialized`.
const SETTINGS_WAIT: Duration = Duration::from_secs(2);
/// A document larger than this is never analysed on a request's path.
const ON_DEMAND_LIMIT: usize = 256 * 1024;

#[derive(Args)]
pub(crate) struct LspArgs {
    /// Also write the server's log to this file.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Talk over stdin and stdout (the default and only transport).
    #[arg(long)]
    stdio: bool,
}

pub(crate) fn run(args: LspArgs) -> anyhow::Result<u8> {
    let log = match &args.log {
        Some(path) => Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("{}: cannot open log file: {e}", path.display()))?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let log = log.map(|file| Arc::new(Mutex::new(file)));
    let transport_log = log.clone();
    runtime.block_on(async move {
        let input = transport::checked(tokio::io::stdin(), move |message| {
            if let Some(file) = &transport_log {
                if let Ok(mut file) = file.lock() {
                    let _ = writeln!(file, "[{}] {message}", jiff::Timestamp::now());
                }
            }
        });
        let (output, outbox, written) = transport::outgoing(tokio::io::stdout());
        let (service, socket) = LspService::new(|client| Backend {
            inner: Arc::new(Inner { client, outbox, state: Mutex::new(State::new()), log }),
        });
        Server::new(input, output, socket).serve(service).await;
        // The last responses (`shutdown`'s) are still on their way to stdout.
        let _ = tokio::time::timeout(Duration::from_secs(2), written).await;
    });
    // After `exit`, an analysis still running or a read blocked on stdin must not hold the
    // process open.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(crate::exit::CLEAN)
}

#[derive(Clone)]
struct Backend {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    /// Diagnostics, serialized here rather than by `client` (see `transport`).
    outbox: transport::Outbox,
    state: Mutex<State>,
    log: Option<Arc<Mutex<File>>>,
}

impl Backend {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn log(&self, level: MessageType, message: String) {
        if let Some(file) = &self.inner.log {
            if let Ok(mut file) = file.lock() {
                let _ = writeln!(file, "[{}] {message}", jiff::Timestamp::now());
            }
        }
        self.inner.client.log_message(level, message).await;
    }

    /// A line for the log file only (timings), never the client.
    fn trace(&self, message: String) {
        if let Some(file) = &self.inner.log {
            if let Ok(mut file) = file.lock() {
                let _ = writeln!(file, "[{}] {message}", jiff::Timestamp::now());
            }
        }
    }

    async fn pull_configuration(&self) {
        let items = vec![ConfigurationItem { scope_uri: None, section: Some("schemacast".to_owned()) }];
        let values = self.inner.client.configuration(items).await;
        if let Some(value) = values.ok().and_then(|v| v.into_iter().next()).filter(|v| !v.is_null()) {
            self.apply_settings(&value).await;
        }
        self.state().settings_arrived = true;
    }

    async fn apply_settings(&self, value: &Value) {
        let mut problems = Vec::new();
        let settings = Settings::from_json(value, &mut problems);
        for problem in problems {
            self.log(MessageType::WARNING, problem).await;
        }
        let keys: Vec<PathBuf> = {
            let mut state = self.state();
            if state.settings == settings {
                return;
            }
            state.settings = settings;
            state.projects.keys().cloned().collect()
        };
        for key in keys {
            self.schedule(key);
        }
        let _ = self.inner.client.inlay_hint_refresh().await;
    }

    /// Runs a feature, turning a panic into an empty answer and a log line.
    async fn guarded<T>(&self, what: &str, f: impl FnOnce() -> Option<T>) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(result) => result,
            Err(_) => {
                self.log(MessageType::ERROR, format!("internal error while answering {what}; please report it")).await;
                None
            }
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> RpcResult<InitializeResult> {
        let encoding = capabilities::negotiated_encoding(&params);
        let mut problems = Vec::new();
        {
            let mut state = self.state();
            state.encoding = encoding;
            // A client that cannot be asked for settings has given them all here.
            state.settings_arrived =
                !params.capabilities.workspace.as_ref().and_then(|w| w.configuration).unwrap_or(false);
            if let Some(options) = &params.initialization_options {
                state.settings = Settings::from_json(options, &mut problems);
            }
        }
        for problem in problems {
            self.log(MessageType::WARNING, problem).await;
        }
        Ok(InitializeResult {
            capabilities: capabilities::server_capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "schemacast".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watchers = ["**/*.sql", "**/schemacast.toml", "**/*.jsonl"]
            .iter()
            .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String((*glob).to_owned()), kind: None })
            .collect();
        let registration = Registration {
            id: "schemacast-watch".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions { watchers }).ok(),
        };
        // Clients without dynamic registration refuse this; the server still works.
        let _ = self.inner.client.register_capability(vec![registration]).await;
        self.pull_configuration().await;
        self.watch_stats();
        self.log(MessageType::INFO, format!("schemacast {} ready", env!("CARGO_PKG_VERSION"))).await;
    }

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let key = self.state().open(document.uri, &document.text, document.version);
        self.schedule(key);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let known = self.state().documents.contains_key(uri.as_str());
        if !known {
            self.log(MessageType::WARNING, format!("change for {} which is not open; ignored", uri.as_str())).await;
            return;
        }
        let key = {
            let mut state = self.state();
            let encoding = state.encoding;
            for change in &params.content_changes {
                let (start, end) = {
                    let open = &state.documents[uri.as_str()];
                    match change.range {
                        Some(range) => {
                            let start = offset(&open.document.rope, range.start, encoding);
                            (start, offset(&open.document.rope, range.end, encoding).max(start))
                        }
                        None => (0, open.document.rope.len_bytes()),
                    }
                };
                state.edit_tree(uri.as_str(), start, end, &change.text);
                if let Some(open) = state.documents.get_mut(uri.as_str()) {
                    open.document.apply(change, encoding);
                }
            }
            let Some(open) = state.documents.get_mut(uri.as_str()) else { return };
            open.document.version = params.text_document.version;
            open.project.clone()
        };
        self.schedule(key);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let key = self.state().documents.get(params.text_document.uri.as_str()).map(|d| d.project.clone());
        if let Some(key) = key {
            self.schedule(key);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let key = {
            let mut state = self.state();
            let key = state.documents.remove(uri.as_str()).map(|d| d.project);
            // Cleared below: what it was sent before no longer stands.
            for project in state.projects.values_mut() {
                project.published.remove(uri.as_str());
            }
            key
        };
        diagnostics::send(&self.inner.outbox, &diagnostics::params(uri, Vec::new(), None));
        if let Some(key) = key {
            self.schedule(key);
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let relevant =
            params.changes.iter().any(|c| c.uri.to_file_path().is_some_and(|p| workspace::is_relevant_file(&p)));
        if !relevant {
            return;
        }
        let keys = {
            let mut state = self.state();
            // The client saw files change: forget what was read, whatever the timestamps say.
            for project in state.projects.values() {
                if let Ok(mut disk) = project.disk.lock() {
                    *disk = Default::default();
                }
            }
            state.rediscover()
        };
        for key in keys {
            self.schedule(key);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match params.settings.get("schemacast") {
            Some(value) if !value.is_null() => self.apply_settings(value).await,
            _ => self.pull_configuration().await,
        }
    }

    async fn hover(&self, params: HoverParams) -> RpcResult<Option<Hover>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let Some((analysis, file, encoding)) = self.analysis_for(&uri).await else { return Ok(None) };
        let Some(at) = self.state().offset(uri.as_str(), position) else { return Ok(None) };
        Ok(self.guarded("hover", || hover::hover(&analysis, file, at, encoding)).await)
    }

    async fn code_action(&self, params: CodeActionParams) -> RpcResult<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some((analysis, file, encoding)) = self.analysis_for(&uri).await else { return Ok(None) };
        let (start, end) = {
            let state = self.state();
            let (Some(start), Some(end)) =
                (state.offset(uri.as_str(), params.range.start), state.offset(uri.as_str(), params.range.end))
            else {
                return Ok(None);
            };
            (start, end.max(start))
        };
        let only = params.context.only.clone();
        let actions = self
            .guarded("codeAction", || {
                Some(code_actions::code_actions(&analysis, file, &uri, (start, end), only.as_deref(), encoding))
            })
            .await;
        Ok(actions.filter(|a| !a.is_empty()))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> RpcResult<Option<Vec<InlayHint>>> {
        let (enabled, kinds) = {
            let state = self.state();
            let s = &state.settings;
            (
                s.inlay_hints,
                inlay_hints::Kinds { tables: s.table_hints, columns: s.column_hints, padding: s.padding_hints },
            )
        };
        if !enabled {
            return Ok(Some(Vec::new()));
        }
        let uri = params.text_document.uri;
        let Some((analysis, file, encoding)) = self.analysis_for(&uri).await else { return Ok(None) };
        let hints =
            self.guarded("inlayHint", || Some(inlay_hints::inlay_hints(&analysis, file, &uri, kinds, encoding))).await;
        let range = params.range;
        Ok(hints
            .map(|hints| hints.into_iter().filter(|h| h.position >= range.start && h.position <= range.end).collect()))
    }

    async fn inlay_hint_resolve(&self, mut hint: InlayHint) -> RpcResult<InlayHint> {
        let target = hint
            .data
            .as_ref()
            .and_then(|d| Some((d.get("uri")?.as_str()?.to_owned(), d.get("table")?.as_str()?.to_owned())));
        if let Some((uri, table)) = target {
            if let Ok(uri) = Uri::from_str(&uri) {
                if let Some((analysis, _, _)) = self.analysis_for(&uri).await {
                    if let Some(markdown) =
                        self.guarded("inlayHint/resolve", || inlay_hints::resolve_table_card(&analysis, &table)).await
                    {
                        hint.tooltip = Some(InlayHintTooltip::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: markdown,
                        }));
                    }
                }
            }
        }
        Ok(hint)
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> RpcResult<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        let Some((tree, text)) = self.tree(&uri).await else { return Ok(None) };
        let encoding = self.state().encoding;
        let rope = ropey::Rope::from_str(&text);
        let symbols =
            self.guarded("documentSymbol", || Some(symbols::document_symbols(&tree, &text, &rope, encoding))).await;
        Ok(symbols.map(DocumentSymbolResponse::Nested))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> RpcResult<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        let Some((tree, text)) = self.tree(&uri).await else { return Ok(None) };
        let encoding = self.state().encoding;
        let rope = ropey::Rope::from_str(&text);
        Ok(self.guarded("foldingRange", || Some(symbols::folding_ranges(&tree, &text, &rope, encoding))).await)
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> RpcResult<Option<WorkspaceSymbolResponse>> {
        let (analyses, encoding) = {
            let state = self.state();
            (state.projects.values().filter_map(|p| p.latest.clone()).collect::<Vec<_>>(), state.encoding)
        };
        let symbols = self
            .guarded("workspace/symbol", || Some(symbols::workspace_symbols(&analyses, &params.query, encoding)))
            .await;
        Ok(symbols.map(WorkspaceSymbolResponse::Flat))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> RpcResult<Option<GotoDefinitionResponse>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let Some((analysis, file, encoding)) = self.analysis_for(&uri).await else { return Ok(None) };
        let Some(at) = self.state().offset(uri.as_str(), position) else { return Ok(None) };
        Ok(self
            .guarded("definition", || navigation::definition(&analysis, file, at, encoding))
            .await
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn completion(&self, params: CompletionParams) -> RpcResult<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let (text, at) = {
            let state = self.state();
            let Some(open) = state.documents.get(uri.as_str()) else { return Ok(None) };
            let at = offset(&open.document.rope, position, state.encoding);
            (open.document.text(), at)
        };
        // Names come from the last analysis even if it is a keystroke old: completing never waits.
        let analysis = {
            let state = self.state();
            state
                .documents
                .get(uri.as_str())
                .and_then(|d| state.projects.get(&d.project))
                .and_then(|p| p.latest.clone())
        };
        let analysis = match analysis {
            Some(analysis) => analysis,
            None => match self.analysis_for(&uri).await {
                Some((analysis, _, _)) => analysis,
                None => return Ok(None),
            },
        };
        let items = self.guarded("completion", || Some(completion::completion(&analysis, &text, at))).await;
        Ok(items.filter(|i| !i.is_empty()).map(CompletionResponse::Array))
    }
}

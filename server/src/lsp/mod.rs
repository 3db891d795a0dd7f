//! `schemacast lsp`: the language server, a thin layer over the engine.
//!
//! Requests are answered from the latest analysis of the document's migration set; edits
//! schedule a new analysis after a short debounce, run off the request path, and publish only
//! if no newer edit arrived meanwhile.

mod code_actions;
mod completion;
mod diagnostics;
mod document;
mod hover;
mod inlay_hints;
mod navigation;
mod problems;
mod settings;
mod state;
mod symbols;
mod transport;
mod workspace;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use clap::Args;
use serde_json::Value;
use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use document::{offset, Encoding};
use schemacast_lints::text::FileId;
use settings::Settings;
use state::{ProjectAnalysis, State};

/// Edits closer together than this are linted once.
const DEBOUNCE: Duration = Duration::from_millis(50);
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
        let (service, socket) = LspService::new(|client| Backend {
            inner: Arc::new(Inner { client, state: Mutex::new(State::new()), log }),
        });
        Server::new(input, tokio::io::stdout(), socket).serve(service).await;
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

    /// Lints the project again after the debounce, unless something newer supersedes it.
    fn schedule(&self, key: PathBuf) {
        let generation = {
            let mut state = self.state();
            let Some(project) = state.projects.get_mut(&key) else { return };
            project.generation += 1;
            project.generation
        };
        let this = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            let job = {
                let state = this.state();
                match state.projects.get(&key) {
                    Some(project) if project.generation == generation => state.analysis_inputs(&key),
                    _ => None,
                }
            };
            let Some(job) = job else { return };
            let started = std::time::Instant::now();
            let analysis = match tokio::task::spawn_blocking(move || job.run()).await {
                Ok(analysis) => analysis,
                Err(error) => {
                    this.log(MessageType::ERROR, format!("analysis of {} failed: {error}", key.display())).await;
                    return;
                }
            };
            let analysed = started.elapsed();
            let read = analysis.read_time;
            this.publish(&key, generation, analysis).await;
            this.trace(format!(
                "{}: inputs read in {:.1} ms, analysed in {:.1} ms, published after {:.1} ms",
                key.display(),
                read.as_secs_f64() * 1000.0,
                analysed.as_secs_f64() * 1000.0,
                started.elapsed().as_secs_f64() * 1000.0
            ));
        });
    }

    /// Stores an analysis and publishes its diagnostics, unless a newer edit arrived.
    async fn publish(&self, key: &Path, generation: u64, analysis: ProjectAnalysis) {
        let publication = {
            let mut state = self.state();
            diagnostics::prepare(&mut state, key, generation, analysis)
        };
        let Some(publication) = publication else { return };
        if let Some(note) = publication.dialect_note {
            self.log(MessageType::INFO, note).await;
        }
        for problem in publication.new_problems {
            if problem.in_config_file() {
                // Once per new problem, as a message the user sees without opening the log.
                self.inner.client.show_message(MessageType::ERROR, format!("schemacast: {problem}")).await;
            }
            self.log(MessageType::WARNING, problem.to_string()).await;
        }
        for (uri, diagnostics, version) in publication.diagnostics {
            self.inner.client.publish_diagnostics(uri, diagnostics, version).await;
        }
    }

    /// The analysis that saw the document as it is now: the latest one, or for a small
    /// document one made now. `None` when the document is unknown or too large to analyse on
    /// a request's path while its scheduled analysis is still running.
    async fn analysis_for(&self, uri: &Uri) -> Option<(Arc<ProjectAnalysis>, FileId, Encoding)> {
        let (job, key, path, encoding) = {
            let state = self.state();
            let encoding = state.encoding;
            if let Some((analysis, open)) = state.current_analysis(uri.as_str()) {
                let file = analysis.file_id(open.path.as_ref()?)?;
                return Some((analysis, file, encoding));
            }
            let open = state.documents.get(uri.as_str())?;
            if open.document.rope.len_bytes() > ON_DEMAND_LIMIT {
                return None;
            }
            (state.analysis_inputs(&open.project)?, open.project.clone(), open.path.clone()?, encoding)
        };
        let generation = job.generation;
        let analysis = Arc::new(tokio::task::spawn_blocking(move || job.run()).await.ok()?);
        {
            let mut state = self.state();
            if let Some(project) = state.projects.get_mut(&key) {
                if project.generation == generation
                    && project.latest.as_ref().is_none_or(|l| l.generation <= generation)
                {
                    project.latest = Some(analysis.clone());
                }
            }
        }
        let file = analysis.file_id(&path)?;
        Some((analysis, file, encoding))
    }

    async fn pull_configuration(&self) {
        let items = vec![ConfigurationItem { scope_uri: None, section: Some("schemacast".to_owned()) }];
        let Ok(values) = self.inner.client.configuration(items).await else { return };
        if let Some(value) = values.into_iter().next().filter(|v| !v.is_null()) {
            self.apply_settings(&value).await;
        }
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

    /// The document's current tree and text, re-parsed off the lock if edits came in.
    async fn tree(&self, uri: &Uri) -> Option<(tree_sitter::Tree, String)> {
        let (old, text, version, current) = self.state().tree_job(uri.as_str())?;
        if current {
            return old.map(|tree| (tree, text));
        }
        let parsed = tokio::task::spawn_blocking(move || {
            let mut parser = schemacast_lints::syntax::outline::sql_parser();
            let tree = schemacast_lints::syntax::outline::parse(&mut parser, &text, old.as_ref());
            tree.map(|t| (t, text))
        })
        .await
        .ok()??;
        self.state().store_tree(uri.as_str(), version, parsed.0.clone());
        Some(parsed)
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> RpcResult<InitializeResult> {
        let offers_utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
        let encoding = if offers_utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let mut problems = Vec::new();
        {
            let mut state = self.state();
            state.encoding = encoding;
            if let Some(options) = &params.initialization_options {
                state.settings = Settings::from_json(options, &mut problems);
            }
        }
        for problem in problems {
            self.log(MessageType::WARNING, problem).await;
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if encoding == Encoding::Utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::SOURCE_FIX_ALL]),
                    ..Default::default()
                })),
                inlay_hint_provider: Some(OneOf::Right(InlayHintServerCapabilities::Options(InlayHintOptions {
                    resolve_provider: Some(true),
                    ..Default::default()
                }))),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                definition_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![" ".into(), "(".into(), ",".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            },
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
        let key = self.state().documents.remove(uri.as_str()).map(|d| d.project);
        self.inner.client.publish_diagnostics(uri, Vec::new(), None).await;
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
        let (enabled, columns) = {
            let state = self.state();
            (state.settings.inlay_hints, state.settings.column_hints)
        };
        if !enabled {
            return Ok(Some(Vec::new()));
        }
        let uri = params.text_document.uri;
        let Some((analysis, file, encoding)) = self.analysis_for(&uri).await else { return Ok(None) };
        let hints = self
            .guarded("inlayHint", || Some(inlay_hints::inlay_hints(&analysis, file, &uri, columns, encoding)))
            .await;
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

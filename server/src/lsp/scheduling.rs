//! When analyses run: each edit schedules one at once, off the request path (the parse cache
//! makes it cheap, so there is no debounce); one superseded by a newer edit stops before its
//! next phase and is never published (generations and document versions); a request on a
//! small document that changed since runs one at once. A watcher
//! re-analyses a project when its stats store brought something its latest analysis lacks.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use schemacast_lints::text::FileId;
use tower_lsp_server::ls_types::{MessageType, Uri};

use super::diagnostics;
use super::document::Encoding;
use super::settings::Settings;
use super::state::ProjectAnalysis;
use super::stats_cache::{LoadSerial, WATCH};
use super::workspace::{DiskCache, Project};
use super::{Backend, ON_DEMAND_LIMIT, SETTINGS_WAIT};

/// A project the stats watcher looks at: its key, the project, the settings, its file cache and
/// the store load its latest analysis used.
type WatchedProject = (PathBuf, Project, Settings, Arc<Mutex<DiskCache>>, LoadSerial);

impl Backend {
    /// Lints the project again at once, unless something newer supersedes it.
    pub(super) fn schedule(&self, key: PathBuf) {
        self.schedule_then(key, false);
    }

    /// [`schedule`](Self::schedule), then, once published, asks the client to fetch inlay hints
    /// again (they changed with the stats, not with the text, so the client would not ask).
    fn schedule_then(&self, key: PathBuf, refresh_hints: bool) {
        let generation = {
            let mut state = self.state();
            let Some(project) = state.projects.get_mut(&key) else { return };
            project.generation += 1;
            project.newest.store(project.generation, Ordering::Release);
            project.generation
        };
        let this = self.clone();
        tokio::spawn(async move {
            this.settings_arrived().await;
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
                Ok(Some(analysis)) => analysis,
                Ok(None) => return,
                Err(error) => {
                    this.log(MessageType::ERROR, format!("analysis of {} failed: {error}", key.display())).await;
                    return;
                }
            };
            let analysed = started.elapsed();
            let read = analysis.read_time;
            let phases = analysis.analysis.timings.map(|t| format!("{t:?}")).unwrap_or_default();
            let (rules_ran, tables) = analysis.rules_ran;
            let sent = this.publish(&key, generation, analysis).await;
            if refresh_hints {
                let _ = this.inner.client.inlay_hint_refresh().await;
            }
            this.trace(format!(
                "{}: inputs read in {:.1} ms, analysed in {:.1} ms ({phases}; rules ran on {rules_ran} of {tables} tables), {sent} documents published after {:.1} ms",
                key.display(),
                read.as_secs_f64() * 1000.0,
                analysed.as_secs_f64() * 1000.0,
                started.elapsed().as_secs_f64() * 1000.0
            ));
        });
    }

    /// Waits, at most [`SETTINGS_WAIT`], for the client's settings: an analysis made before
    /// they arrive would be thrown away (and its diagnostics shown for a moment) when they do.
    async fn settings_arrived(&self) {
        let started = std::time::Instant::now();
        while !self.state().settings_arrived && started.elapsed() < SETTINGS_WAIT {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Every [`WATCH`], asks each analysed project's stats store whether it changed (starting a
    /// background load if so) and re-analyses the projects whose latest analysis used an older
    /// load than the cache now holds: a load that outlasted an analysis's wait, a `collect` run
    /// elsewhere, a PostgreSQL store another machine appended to.
    pub(super) fn watch_stats(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(WATCH).await;
                let watched: Vec<WatchedProject> = {
                    let state = this.state();
                    let settings = state.settings.clone();
                    state
                        .projects
                        .iter()
                        .filter_map(|(key, p)| {
                            let used = p.latest.as_ref()?.stats_serial;
                            Some((key.clone(), p.project.clone(), settings.clone(), p.disk.clone(), used))
                        })
                        .collect()
                };
                let stale = tokio::task::spawn_blocking(move || {
                    watched
                        .into_iter()
                        .filter(|(_, project, settings, disk, used)| {
                            let Some((_, Ok((store, database)))) = project.stats_store(settings) else { return false };
                            let cache = disk.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).stats();
                            cache.poke(&store, database.as_deref());
                            cache.serial() > *used
                        })
                        .map(|(key, ..)| key)
                        .collect::<Vec<_>>()
                })
                .await
                .unwrap_or_default();
                for key in stale {
                    this.trace(format!("{}: the stats store changed; analysing again", key.display()));
                    this.schedule_then(key, true);
                }
            }
        });
    }

    /// Stores an analysis and publishes the diagnostics that changed, unless a newer edit
    /// arrived. Returns how many documents were sent diagnostics.
    async fn publish(&self, key: &Path, generation: u64, analysis: ProjectAnalysis) -> usize {
        let preparing = std::time::Instant::now();
        let publication = {
            let mut state = self.state();
            diagnostics::prepare(&mut state, key, generation, analysis)
        };
        let Some(publication) = publication else { return 0 };
        let prepared = preparing.elapsed();
        let sending = std::time::Instant::now();
        let sent = publication.diagnostics.len();
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
        for params in &publication.diagnostics {
            diagnostics::send(&self.inner.outbox, params);
        }
        self.trace(format!(
            "prepared in {:.1} ms, sent in {:.1} ms",
            prepared.as_secs_f64() * 1000.0,
            sending.elapsed().as_secs_f64() * 1000.0
        ));
        if let Some(retired) = publication.retired {
            // Off the async workers too: dropping it takes a few milliseconds.
            tokio::task::spawn_blocking(move || drop(retired));
        }
        sent
    }

    /// The analysis that saw the document as it is now: the latest one, or for a small
    /// document one made now. `None` when the document is unknown or too large to analyse on
    /// a request's path while its scheduled analysis is still running.
    pub(super) async fn analysis_for(&self, uri: &Uri) -> Option<(Arc<ProjectAnalysis>, FileId, Encoding)> {
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
        let analysis = Arc::new(tokio::task::spawn_blocking(move || job.run()).await.ok()??);
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

    /// The document's current tree and text, re-parsed off the lock if edits came in.
    pub(super) async fn tree(&self, uri: &Uri) -> Option<(tree_sitter::Tree, String)> {
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

//! What the server knows: open documents, their projects, and each project's latest analysis.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use schemacast_lints::syntax::ParseCache;
use schemacast_lints::text::{FileId, Location, TextRange};
use schemacast_lints::{analyze_cached, Analysis};
use tower_lsp_server::ls_types::{self as lsp, Position, Range, Uri};
use tree_sitter::{InputEdit, Point, Tree};

use super::document::{self, Document, Encoding};
use super::settings::Settings;
use super::stats_cache::LoadSerial;
use super::workspace::{normalize, project_for, DiskCache, InputProblem, InputProblems, Inputs, Project};

pub(crate) struct OpenDocument {
    pub uri: Uri,
    pub path: Option<PathBuf>,
    pub document: Document,
    /// The tree-sitter tree, kept in step with edits and re-parsed incrementally when needed.
    pub tree: Option<Tree>,
    pub tree_current: bool,
    pub project: PathBuf,
}

pub(crate) struct ProjectState {
    pub project: Project,
    /// Files (config, stats, unreadable SQL) that got problem diagnostics last time.
    pub problem_uris: Vec<String>,
    /// Problems already written to the log.
    pub logged_problems: Vec<InputProblem>,
    /// The dialect line last written to the log.
    pub logged_dialect: String,
    /// Bumped on every change; an analysis started for an older generation is dropped.
    pub generation: u64,
    /// `generation`, readable by a running analysis without the state's lock: it stops at its
    /// next phase once a newer one is scheduled.
    pub newest: Arc<AtomicU64>,
    pub latest: Option<Arc<ProjectAnalysis>>,
    /// The project's files as last read from disk.
    pub disk: Arc<std::sync::Mutex<DiskCache>>,
    /// Statements parsed by earlier analyses, so that an edit re-parses only what it touched.
    pub parse_cache: Arc<std::sync::Mutex<ParseCache>>,
    /// What each document was last sent: a document whose diagnostics did not change is not
    /// sent them again.
    pub published: HashMap<String, Vec<u8>>,
}

impl ProjectState {
    fn new(project: Project) -> Self {
        ProjectState {
            project,
            problem_uris: Vec::new(),
            logged_problems: Vec::new(),
            logged_dialect: String::new(),
            generation: 0,
            newest: Arc::default(),
            latest: None,
            disk: Arc::default(),
            parse_cache: Arc::default(),
            published: HashMap::new(),
        }
    }
}

/// One analysis of a project, and the document versions it saw.
pub(crate) struct ProjectAnalysis {
    pub analysis: Analysis,
    pub versions: HashMap<PathBuf, i32>,
    pub problems: InputProblems,
    pub generation: u64,
    /// Time spent gathering inputs (disk, buffers, stats).
    pub read_time: std::time::Duration,
    /// The dialect used and why, for the log.
    pub dialect: String,
    /// Which load of the stats cache it used: the watcher re-analyses when a newer one ends.
    pub stats_serial: LoadSerial,
    /// Tables the rules ran on, and all of them (the others' findings carried over), for the log.
    pub rules_ran: (usize, usize),
}

impl ProjectAnalysis {
    /// The analysed file for a path.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.analysis.files.iter().position(|f| Path::new(&f.path) == path).map(FileId::from_index)
    }

    /// The LSP range of a byte range in an analysed file.
    pub fn range(&self, file: FileId, range: TextRange, encoding: Encoding) -> Range {
        let analyzed = self.analysis.file(file);
        let at = |offset: u32| document::text_position(&analyzed.text, &analyzed.lines, offset as usize, encoding);
        Range { start: at(range.start), end: at(range.end) }
    }

    /// The LSP position of a byte offset in an analysed file.
    pub fn position(&self, file: FileId, offset: usize, encoding: Encoding) -> Position {
        let analyzed = self.analysis.file(file);
        document::text_position(&analyzed.text, &analyzed.lines, offset, encoding)
    }

    /// An engine location as an LSP location (`None` when its file has no URI).
    pub fn location(&self, location: Location, encoding: Encoding) -> Option<lsp::Location> {
        let uri = Uri::from_file_path(&self.analysis.get_file(location.file)?.path)?;
        Some(lsp::Location { uri, range: self.range(location.file, location.range, encoding) })
    }
}

pub(crate) struct State {
    pub encoding: Encoding,
    pub settings: Settings,
    /// Whether the client answered (or refused) `workspace/configuration`, or cannot be asked.
    pub settings_arrived: bool,
    pub documents: HashMap<String, OpenDocument>,
    pub projects: HashMap<PathBuf, ProjectState>,
}

impl State {
    pub fn new() -> State {
        State {
            encoding: Encoding::Utf16,
            settings: Settings::default(),
            settings_arrived: false,
            documents: HashMap::new(),
            projects: HashMap::new(),
        }
    }

    /// Opens a document and returns its project's key.
    pub fn open(&mut self, uri: Uri, text: &str, version: i32) -> PathBuf {
        let path = uri.to_file_path().map(|p| normalize(&p));
        let project = match &path {
            Some(path) => project_for(path),
            None => Project { key: PathBuf::from(uri.as_str()), config_path: None, config: None, paths: Vec::new() },
        };
        let key = project.key.clone();
        self.projects.entry(key.clone()).or_insert_with(|| ProjectState::new(project));
        self.documents.insert(
            uri.as_str().to_owned(),
            OpenDocument {
                uri,
                path,
                document: Document::new(text, version),
                tree: None,
                tree_current: false,
                project: key.clone(),
            },
        );
        key
    }

    /// Re-reads every project's config and migration set (after a config or file change).
    pub fn rediscover(&mut self) -> Vec<PathBuf> {
        let documents: Vec<(String, Option<PathBuf>)> =
            self.documents.iter().map(|(k, d)| (k.clone(), d.path.clone())).collect();
        let mut keys = Vec::new();
        for (uri, path) in documents {
            let Some(path) = path else { continue };
            let project = project_for(&path);
            let key = project.key.clone();
            let entry = self.projects.entry(key.clone()).or_insert_with(|| ProjectState::new(project.clone()));
            entry.project = project;
            if let Some(document) = self.documents.get_mut(&uri) {
                document.project = key.clone();
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }

    /// Tells the document's tree about an edit (before the rope changes), so that the next
    /// re-parse is incremental.
    pub fn edit_tree(&mut self, uri: &str, start_byte: usize, old_end_byte: usize, new_text: &str) {
        let Some(open) = self.documents.get_mut(uri) else { return };
        let Some(tree) = open.tree.as_mut() else { return };
        let rope = &open.document.rope;
        let point = |byte: usize| {
            let line = rope.byte_to_line(byte.min(rope.len_bytes()));
            Point { row: line, column: byte - rope.line_to_byte(line) }
        };
        let start_position = point(start_byte);
        let old_end_position = point(old_end_byte);
        let new_end_byte = start_byte + new_text.len();
        let new_lines = new_text.matches('\n').count();
        let new_end_position = match new_text.rfind('\n') {
            Some(last) => Point { row: start_position.row + new_lines, column: new_text.len() - last - 1 },
            None => Point { row: start_position.row, column: start_position.column + new_text.len() },
        };
        tree.edit(&InputEdit {
            start_byte,
            old_end_byte,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position,
        });
        open.tree_current = false;
    }

    /// What re-parsing the document's tree needs: its old tree (already told about the edits
    /// since), its text and version. `None` when the tree is current.
    pub fn tree_job(&self, uri: &str) -> Option<(Option<Tree>, String, i32, bool)> {
        let open = self.documents.get(uri)?;
        Some((open.tree.clone(), open.document.text(), open.document.version, open.tree.is_some() && open.tree_current))
    }

    /// Keeps a re-parsed tree unless the document changed meanwhile.
    pub fn store_tree(&mut self, uri: &str, version: i32, tree: Tree) {
        if let Some(open) = self.documents.get_mut(uri) {
            if open.document.version == version && !open.tree_current {
                open.tree = Some(tree);
                open.tree_current = true;
            }
        }
    }

    /// What an analysis of `key` needs, taken under the lock so the work can happen outside it.
    pub fn analysis_inputs(&self, key: &Path) -> Option<AnalysisJob> {
        let project = self.projects.get(key)?;
        let mut open = HashMap::new();
        let mut versions = HashMap::new();
        let paths = &project.project.paths;
        for document in self.documents.values() {
            let Some(path) = &document.path else { continue };
            // Only buffers this project reads: a big file open elsewhere is not copied per keystroke.
            if document.project != key && !paths.iter().any(|p| path.starts_with(p)) {
                continue;
            }
            open.insert(path.clone(), document.document.text());
            if document.project == key {
                versions.insert(path.clone(), document.document.version);
            }
        }
        Some(AnalysisJob {
            project: project.project.clone(),
            settings: self.settings.clone(),
            open,
            versions,
            generation: project.generation,
            newest: project.newest.clone(),
            disk: project.disk.clone(),
            parse_cache: project.parse_cache.clone(),
        })
    }

    /// The project's latest analysis when it saw the document's current version.
    pub fn current_analysis(&self, uri: &str) -> Option<(Arc<ProjectAnalysis>, &OpenDocument)> {
        let open = self.documents.get(uri)?;
        let latest = self.projects.get(&open.project)?.latest.clone()?;
        let path = open.path.as_ref()?;
        (latest.versions.get(path) == Some(&open.document.version)).then_some((latest, open))
    }

    pub fn offset(&self, uri: &str, position: Position) -> Option<usize> {
        let open = self.documents.get(uri)?;
        Some(document::offset(&open.document.rope, position, self.encoding))
    }
}

pub(crate) struct AnalysisJob {
    pub project: Project,
    pub settings: Settings,
    pub open: HashMap<PathBuf, String>,
    pub versions: HashMap<PathBuf, i32>,
    pub generation: u64,
    pub newest: Arc<AtomicU64>,
    pub disk: Arc<Mutex<DiskCache>>,
    pub parse_cache: Arc<Mutex<ParseCache>>,
}

impl AnalysisJob {
    /// Whether a newer analysis of the project has been scheduled since this one.
    fn superseded(&self) -> bool {
        self.newest.load(Ordering::Acquire) != self.generation
    }

    /// Reads the set and analyses it: the slow part, run off the request path. `None` when a
    /// newer analysis was scheduled before this one got to its next phase: its work would be
    /// thrown away.
    pub fn run(self) -> Option<ProjectAnalysis> {
        if self.superseded() {
            return None;
        }
        let started = std::time::Instant::now();
        let Inputs { sources, mut options, problems, stats_serial } =
            self.project.inputs(&self.settings, &self.open, &self.disk);
        // A few clock readings: the log's timing line says where an analysis' time went.
        options.timings = true;
        let read = started.elapsed();
        let files: Vec<(&str, &str)> = sources.iter().map(|f| (f.path.as_str(), f.text.as_str())).collect();
        let choice = schemacast_lints::dialect::choose(
            self.settings.dialect,
            self.project.config.as_ref().and_then(|c| c.dialect),
            options.stats.as_ref().and_then(|s| s.dialect.as_deref()),
            &files,
        );
        let dialect = format!("{}: {} SQL, {}", self.project.key.display(), choice.dialect, choice.reason);
        let selection = self.project.selection(&self.settings);
        // One analysis at a time uses the cache; one that waited for it and is stale by then
        // gives way.
        let mut cache = self.parse_cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.superseded() {
            return None;
        }
        let analysis = analyze_cached(sources, choice.dialect, &selection, options, &mut cache);
        let rules_ran = cache.rules_last_run();
        drop(cache);
        Some(ProjectAnalysis {
            analysis,
            versions: self.versions,
            problems,
            generation: self.generation,
            read_time: read,
            dialect,
            stats_serial,
            rules_ran,
        })
    }
}

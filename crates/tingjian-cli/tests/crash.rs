//! Kill -9 trials (issue 12, §4): the `tingjian` command, or a process making the app's writes, is
//! killed with SIGKILL at a random moment during an import, note writing, reflection drafts and
//! submissions, rectification steps and a listening session. After each kill `tingjian verify`
//! (read-only) must pass, no `.partial` file may be left once the vault has been opened again
//! (`tingjian status`), and everything
//! acknowledged to the user before the kill must be in the vault.
//!
//! - **Import and listening** run the real `tingjian` binary: `import` of the demo's export and
//!   recordings into an empty vault, and `play` into a private PulseAudio null sink, which takes
//!   sound at the pace a person hears it, so a play is killed mid-call. Both acknowledge only at
//!   their end (the JSON report), so an import reported done must be whole, and importing again
//!   must complete an interrupted one; for listening, every heard span a reader saw committed in
//!   the vault while the command played (the flushes, every 2 s) must survive the kill, and a
//!   reported session must be in the vault as reported.
//! - **Notes, reflections and rectification steps** have no command of their own: the app's
//!   commands (`src-tauri/src/commands.rs`) are each one call of a `Vault` method. So the writer
//!   is this test binary run again as a child process ([`crash_writer_child`]) that calls those
//!   methods one after another on the demo vault and prints an `ACK` line as each returns, where
//!   the app would show the saved note to the user.
//!
//! Each operation but listening is first run once to its end, and checked like a trial; its kill
//! moment is drawn uniformly from the length of the shortest whole run seen so far, by a seeded
//! generator (the seed is printed; set `CRASH_SEED` to repeat a run's kill moments). The writers
//! write for a second whatever the build, and each trial's line says how many writes were
//! acknowledged before the kill. A listening session is killed before its first flush, or within a
//! flush period and a quarter after its first or second.
//!
//! Besides the `verify` right after the kill, each trial opens the vault and runs `verify` again
//! with the clock two minutes ahead (faketime), past the minute of grace a file just stored is
//! given: a file the killed process had stored without yet recording the event that names it (a
//! recording of an interrupted import, an evidence file of an interrupted progress entry) must then
//! be gone, removed when the vault was opened (see [`verify_two_minutes_later`]).
//!
//! `cargo test -p tingjian-cli --test crash` runs 10 trials, two per operation; `make bench-crash`
//! runs 100 on release builds (`CRASH_TRIALS=100`) and prints trials and failures per operation.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use jiff::ToSpan;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use tingjian_core::rectification::{CaseAction, Effectiveness, NewAction, ObservationPeriod};
use tingjian_core::time::in_branch_zone;
use tingjian_review::FLUSH_EVERY;
use tingjian_sound_setups::{PulseOutput, child_command, in_child};
use tingjian_vault::Vault;

use common::{json, private_demo_calls, shared_demo_calls, tingjian_as, tingjian_command};

/// How many trials to run (else [`REDUCED_TRIALS`]), and the seed to draw kill moments from (else
/// one from the clock).
const TRIALS_VARIABLE: &str = "CRASH_TRIALS";
const SEED_VARIABLE: &str = "CRASH_SEED";
/// Two trials per operation: what `make test` runs.
const REDUCED_TRIALS: usize = 10;

/// The demo's people who take the steps of its case in progress: the head of the department the
/// case is for, and the coordinator (who also makes the demo vault).
const DEPARTMENT_HEAD: &str = "zhang.wei";
const DEPARTMENT: &str = "零售金融部";
const COORDINATOR: &str = "li.min";
/// Who writes notes and reflections, imports, listens and verifies: nobody of the demo, so the
/// rows the trials write are told apart from the demo's at once.
const REVIEWER: &str = "crash.reviewer";
const IMPORTER: &str = "crash.importer";
const LISTENER: &str = "crash.listener";
const AUDITOR: &str = "crash.auditor";

/// How long each writer job goes on writing when nothing kills it, whatever the build's speed: long
/// enough that most kill moments fall among the writes rather than in the process's start.
const WRITING_TIME: Duration = Duration::from_secs(1);
/// The call the listening trials play, added to the demo vault: a two-party call, of twenty minutes
/// in a release build. Heard spans are flushed every 2 s of the wall clock, and the unpaced sink
/// plays as fast as the build decodes: 20 to 150 times real time in a release build, by how busy
/// the machine is, so the demo's calls of a minute and a half often end before a release build's
/// first flush, while this one lasts past the latest kill moment (a flush period and a quarter
/// after the second flush). A debug build plays 10 to 20 times real time, and opens a long call
/// slowly, so it has three minutes and plays the first 75 s: long enough for two flushes, short
/// enough for the reduced test, and sometimes over before the kill, so that a reported session is
/// checked too.
const LISTENING_CALL: &str = "TS-CRASH-LISTEN";
const LISTENING_CALL_SECONDS: u32 = if cfg!(debug_assertions) { 3 * 60 } else { 20 * 60 };
const DEBUG_LISTEN_TO_SECONDS: &str = "75";

/// What the kill is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    Import,
    NoteWriting,
    ReflectionSubmit,
    RectificationStep,
    ListeningSession,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::Import,
        Operation::NoteWriting,
        Operation::ReflectionSubmit,
        Operation::RectificationStep,
        Operation::ListeningSession,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::Import => "import",
            Operation::NoteWriting => "note writing",
            Operation::ReflectionSubmit => "reflection submit",
            Operation::RectificationStep => "rectification step",
            Operation::ListeningSession => "listening session",
        }
    }
}

/// The trials of one operation.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub trials: usize,
    pub failures: usize,
    /// Trials whose process ended by itself before its kill moment came (a run faster than the
    /// window, a session that ended before the flush it was to be killed after); they are checked
    /// all the same.
    pub finished_before_kill: usize,
    /// What each failed trial found.
    pub problems: Vec<String>,
}

/// When a trial's process is killed.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// Not at all: a whole run.
    Never,
    /// This long after the process started.
    After(Duration),
    /// This long after a reader of the vault first saw the session's `flushes`-th flush (after the
    /// process started, for 0).
    AfterFlush { flushes: usize, delay: Duration },
}

impl KillAt {
    /// Whether the moment has come, `elapsed` after the process started, given when each flush was
    /// first seen.
    fn has_come(self, elapsed: Duration, flushes_seen: &[Instant]) -> bool {
        match self {
            KillAt::Never => false,
            KillAt::After(after) => elapsed >= after,
            KillAt::AfterFlush { flushes: 0, delay } => elapsed >= delay,
            KillAt::AfterFlush { flushes, delay } => {
                flushes_seen.get(flushes - 1).is_some_and(|seen| seen.elapsed() >= delay)
            }
        }
    }
}

/// Runs `trials` trials, the operations taking turns, with kill moments drawn from `seed`.
pub fn run_trials(trials: usize, seed: u64) -> BTreeMap<Operation, Tally> {
    let fixture = Fixture::make();
    let mut random = fastrand::Rng::with_seed(seed);
    let mut tallies: BTreeMap<Operation, Tally> = Operation::ALL.iter().map(|op| (*op, Tally::default())).collect();
    // The window is the shortest whole run seen so far: a machine that gets faster than it was for
    // the first run (a loaded machine, cold caches) would otherwise see many runs end before their
    // kill.
    let mut windows = fixture.windows.clone();
    for index in 0..trials {
        let operation = Operation::ALL[index % Operation::ALL.len()];
        let window = windows.get(&operation).copied().unwrap_or_default();
        let kill = if operation == Operation::ListeningSession {
            // Before the first flush, or up to a flush period and a quarter after the first or
            // second: how long a session takes to reach its second flush depends on the machine's
            // speed far more than anything else here, so its kill moments are set by its flushes.
            KillAt::AfterFlush { flushes: random.usize(..3), delay: FLUSH_EVERY.mul_f64(1.25 * random.f64()) }
        } else {
            KillAt::After(window.mul_f64(random.f64()))
        };
        let moment = match kill {
            KillAt::After(after) => {
                format!("kill at {:>5.0} ms of {:>5.0} ms", after.as_secs_f64() * 1e3, window.as_secs_f64() * 1e3)
            }
            KillAt::AfterFlush { flushes, delay } => {
                format!("kill {:>5.0} ms after flush {flushes}  ", delay.as_secs_f64() * 1e3)
            }
            KillAt::Never => "no kill".to_owned(),
        };
        let dir = fixture.dir.path().join(format!("trial-{index}"));
        std::fs::create_dir_all(&dir).expect("trial dir");
        let outcome = fixture.trial(operation, &dir, kill);
        let tally = tallies.get_mut(&operation).expect("every operation has a tally");
        tally.trials += 1;
        let ended = match &outcome {
            Ok(run) => {
                if run.killed {
                    format!("killed after {:.0} ms; {}", run.elapsed.as_secs_f64() * 1e3, run.checked)
                } else {
                    if let Some(window) = windows.get_mut(&operation) {
                        *window = (*window).min(run.elapsed);
                    }
                    format!("ended by itself first, after {:.0} ms; {}", run.elapsed.as_secs_f64() * 1e3, run.checked)
                }
            }
            Err(_) => "FAILED".to_owned(),
        };
        println!("trial {index:>3}: {:<19} {moment}: {ended}", operation.name());
        match outcome {
            Ok(run) => {
                tally.finished_before_kill += usize::from(!run.killed);
            }
            Err(problem) => {
                tally.failures += 1;
                let kept = keep_for_inspection(&dir, seed, index, operation);
                tally.problems.push(format!(
                    "trial {index}, {} ({moment}): {problem} (the trial is kept in {})",
                    operation.name(),
                    kept.display()
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    tallies
}

#[test]
fn a_kill_at_any_moment_loses_nothing_acknowledged_and_verify_passes() {
    let trials = std::env::var(TRIALS_VARIABLE)
        .ok()
        .map(|text| text.parse::<usize>().expect("CRASH_TRIALS is a number"))
        .unwrap_or(REDUCED_TRIALS);
    let seed = std::env::var(SEED_VARIABLE)
        .ok()
        .map(|text| text.parse::<u64>().expect("CRASH_SEED is a number"))
        .unwrap_or_else(seed_from_clock);
    println!(
        "kill -9 trials: {trials}, seed {seed} (run again with {SEED_VARIABLE}={seed} to repeat the kill moments)"
    );
    let started = Instant::now();
    let tallies = run_trials(trials, seed);
    println!("{}", table(&tallies));
    println!("seed {seed}; {trials} trials in {:.0} s", started.elapsed().as_secs_f64());
    let problems: Vec<&str> = tallies.values().flat_map(|tally| tally.problems.iter().map(String::as_str)).collect();
    assert!(
        problems.is_empty(),
        "{} of {trials} trials failed (seed {seed}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The table `make bench-crash` prints.
fn table(tallies: &BTreeMap<Operation, Tally>) -> String {
    let row = |name: &str, trials: usize, failures: usize, finished: usize| {
        format!("{name:<20} {trials:>6} {failures:>9} {finished:>21}")
    };
    let mut lines =
        vec![format!("{:<20} {:>6} {:>9} {:>21}", "operation", "trials", "failures", "ended before the kill")];
    for (operation, tally) in tallies {
        lines.push(row(operation.name(), tally.trials, tally.failures, tally.finished_before_kill));
    }
    let total = |field: fn(&Tally) -> usize| tallies.values().map(field).sum::<usize>();
    lines.push(row("all", total(|t| t.trials), total(|t| t.failures), total(|t| t.finished_before_kill)));
    lines.join("\n")
}

fn seed_from_clock() -> u64 {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

// ---- the fixture: template vaults, the demo's calls, and each operation's window ----------------

#[derive(Debug)]
struct Fixture {
    dir: tempfile::TempDir,
    /// A private copy of the demo's calls: `complaints.csv` and `recordings/`.
    calls: PathBuf,
    /// Copied for each import trial: a vault `init` made.
    empty_vault: PathBuf,
    /// Copied for every other trial: a vault `demo` made (people, a quarter, cases in every state),
    /// with [`LISTENING_CALL`] imported into it.
    demo_vault: PathBuf,
    /// That vault's complaints with a recording, in number order.
    recorded_complaints: Vec<String>,
    /// The demo's case in progress at the department head's department, and its history's length.
    case_id: String,
    case_history_len: usize,
    /// What a whole import of the demo's calls leaves in an empty vault.
    imported: VaultContents,
    /// How long each operation killed at a moment drawn from a window takes when nothing kills it.
    windows: BTreeMap<Operation, Duration>,
    /// A private PulseAudio null sink: it takes sound at the pace a person hears it, so a killed
    /// play is killed mid-call, after the flushes its kill moment is set by.
    sound: PulseOutput,
}

impl Fixture {
    fn make() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let calls = private_demo_calls(dir.path());
        let empty_vault = dir.path().join("empty-vault");
        let init = tingjian_as(&empty_vault, IMPORTER, &[], &["init", "--json"]);
        assert!(init.status.success(), "init: {}", describe(&init));
        let demo_vault = dir.path().join("demo-vault");
        let demo =
            tingjian_as(&demo_vault, COORDINATOR, &[], &["demo", "--json", "--data", calls.to_str().expect("utf-8")]);
        assert!(demo.status.success(), "demo (calls from {}): {}", shared_demo_calls().display(), describe(&demo));
        let listening_call = dir.path().join("listening-call");
        write_listening_call(&listening_call);
        let manifest = listening_call.join("export.csv");
        let added = tingjian_as(
            &demo_vault,
            COORDINATOR,
            &[],
            &[
                "import",
                "--manifest",
                manifest.to_str().expect("utf-8"),
                "--recordings",
                listening_call.to_str().expect("utf-8"),
                "--json",
            ],
        );
        assert!(added.status.success(), "importing the listening call: {}", describe(&added));

        let db = read_only(&demo_vault).expect("read the demo vault");
        let recorded_complaints = strings(
            &db,
            "SELECT number FROM complaints WHERE recording_hash IS NOT NULL ORDER BY number",
            rusqlite::params![],
        )
        .expect("complaints with a recording");
        assert!(recorded_complaints.len() >= 3, "the demo has too few recorded calls: {recorded_complaints:?}");

        let case_id = strings(
            &db,
            "SELECT id FROM rectification_cases WHERE state = 'in_progress' AND department = ?1 ORDER BY id",
            rusqlite::params![DEPARTMENT],
        )
        .expect("cases")
        .into_iter()
        .next()
        .expect("the demo has a case in progress at 零售金融部");
        drop(db);
        let case_history_len = case_history(&demo_vault, &case_id).expect("the demo case").len();

        let mut fixture = Fixture {
            dir,
            calls,
            empty_vault,
            demo_vault,
            recorded_complaints,
            case_id,
            case_history_len,
            imported: VaultContents::default(),
            windows: BTreeMap::new(),
            sound: PulseOutput::start(),
        };
        // One whole run of each operation killed at a moment of a window, checked as a trial would
        // be: the import's gives what a whole import holds, and each gives the window's length.
        let whole = fixture.dir.path().join("whole-import");
        let (import_window, imported) = fixture.whole_import(&whole);
        let _ = std::fs::remove_dir_all(&whole);
        fixture.imported = imported;
        fixture.windows.insert(Operation::Import, import_window);
        // A listening session is killed by its flushes, not by a window.
        let timed = [Operation::NoteWriting, Operation::ReflectionSubmit, Operation::RectificationStep];
        for operation in timed {
            let dir = fixture.dir.path().join(format!("whole-{operation:?}"));
            std::fs::create_dir_all(&dir).expect("dir");
            let run = fixture
                .trial(operation, &dir, KillAt::Never)
                .unwrap_or_else(|problem| panic!("{} fails even without a kill: {problem}", operation.name()));
            fixture.windows.insert(operation, run.elapsed);
            let _ = std::fs::remove_dir_all(&dir);
        }
        fixture
    }

    fn whole_import(&self, dir: &Path) -> (Duration, VaultContents) {
        let vault = dir.join("vault");
        copy_vault(&self.empty_vault, &vault);
        let run = run_job(self.import_command(&vault), |_| false);
        assert!(run.status.success(), "a whole import failed: {}", run.describe());
        let contents = VaultContents::read(&vault).expect("read the imported vault");
        assert!(!contents.recordings.is_empty(), "the import stored no recording: {}", run.describe());
        check_after_kill(&vault).expect("verify after a whole import");
        (run.elapsed, contents)
    }

    /// One trial in `dir`: the operation killed at `kill`, then the checks. An error says what was
    /// lost or broken.
    fn trial(&self, operation: Operation, dir: &Path, kill: KillAt) -> Result<Ran, String> {
        let vault = dir.join("vault");
        copy_vault(if operation == Operation::Import { &self.empty_vault } else { &self.demo_vault }, &vault);
        match operation {
            Operation::Import => self.import_trial(&vault, kill),
            Operation::NoteWriting => self.notes_trial(&vault, dir, kill),
            Operation::ReflectionSubmit => self.reflections_trial(&vault, dir, kill),
            Operation::RectificationStep => self.rectification_trial(&vault, dir, kill),
            Operation::ListeningSession => self.listening_trial(&vault, kill),
        }
    }

    fn import_command(&self, vault: &Path) -> Command {
        let manifest = self.calls.join("complaints.csv");
        let recordings = self.calls.join("recordings");
        tingjian_command(
            vault,
            IMPORTER,
            &[],
            &[
                "import",
                "--manifest",
                manifest.to_str().expect("utf-8"),
                "--recordings",
                recordings.to_str().expect("utf-8"),
                "--json",
            ],
        )
    }

    fn import_trial(&self, vault: &Path, kill: KillAt) -> Result<Ran, String> {
        let run = run_job(self.import_command(vault), |elapsed| kill.has_come(elapsed, &[]));
        run.ended_well()?;
        check_after_kill(vault)?;
        if run.report().is_some() {
            let held = VaultContents::read(vault)?;
            if held != self.imported {
                return Err(format!(
                    "the import was reported done, but the vault holds {}",
                    held.compared_with(&self.imported)
                ));
            }
        }
        // A recording the kill caught between being stored and its event being recorded must be
        // gone once it is a minute old.
        verify_two_minutes_later(vault)?;
        // An interrupted import is completed by importing again.
        let again = run_job(self.import_command(vault), |_| false);
        if !again.status.success() {
            return Err(format!("importing again after the kill failed: {}", again.describe()));
        }
        let held = VaultContents::read(vault)?;
        if held != self.imported {
            return Err(format!("after importing again the vault holds {}", held.compared_with(&self.imported)));
        }
        check_after_kill(vault)?;
        verify_two_minutes_later(vault)?;
        let reported = if run.report().is_some() { "reported done" } else { "not reported" };
        Ok(run.ran(format!("import {reported}, completed by importing again")))
    }

    /// The writer child for `job` on `vault`, with a scratch folder for its evidence files.
    fn writer_command(&self, job: &str, vault: &Path, dir: &Path) -> Command {
        let scratch = dir.join("scratch");
        std::fs::create_dir_all(&scratch).expect("scratch dir");
        let env = [
            ("TJ_CRASH_JOB", job.to_owned()),
            ("TJ_VAULT", vault.display().to_string()),
            ("TJ_SCRATCH", scratch.display().to_string()),
            ("TJ_COMPLAINTS", self.recorded_complaints.join(",")),
            ("TJ_CASE", self.case_id.clone()),
        ]
        .map(|(key, value)| (key.to_owned(), value));
        child_command("crash_writer_child", &env)
    }

    fn notes_trial(&self, vault: &Path, dir: &Path, kill: KillAt) -> Result<Ran, String> {
        let run = run_job(self.writer_command("notes", vault, dir), |elapsed| kill.has_come(elapsed, &[]));
        run.ended_well()?;
        check_after_kill(vault)?;
        let db = read_only(vault)?;
        let notes: HashMap<String, String> =
            pairs(&db, "SELECT id, text FROM notes WHERE person = ?1", rusqlite::params![REVIEWER])?
                .into_iter()
                .collect();
        let mut added = 0;
        let mut last_acknowledged: BTreeMap<String, u64> = BTreeMap::new();
        for ack in run.acks() {
            match ack.as_slice() {
                ["note_added", id, n] => {
                    added += 1;
                    last_acknowledged.insert((*id).to_owned(), number(n)?);
                }
                ["note_edited", id, n] => {
                    last_acknowledged.insert((*id).to_owned(), number(n)?);
                }
                other => return Err(format!("unexpected acknowledgement {other:?}")),
            }
        }
        for (id, n) in &last_acknowledged {
            let Some(text) = notes.get(id) else {
                return Err(format!("note {id}, acknowledged as written (#{n}), is not in the vault"));
            };
            // A write after the acknowledged one may have committed without its acknowledgement.
            if number_in(text)? < *n {
                return Err(format!("note {id} reads {text:?}, but #{n} was acknowledged"));
            }
        }
        at_most_one_unacknowledged("notes", notes.len(), added)?;
        verify_two_minutes_later(vault)?;
        Ok(run.ran(format!("{} writes acknowledged", run.acks().len())))
    }

    fn reflections_trial(&self, vault: &Path, dir: &Path, kill: KillAt) -> Result<Ran, String> {
        let run = run_job(self.writer_command("reflections", vault, dir), |elapsed| kill.has_come(elapsed, &[]));
        run.ended_well()?;
        check_after_kill(vault)?;
        let db = read_only(vault)?;
        let reflections = triples(
            &db,
            "SELECT id, complaint_number, text FROM reflections WHERE person = ?1",
            rusqlite::params![REVIEWER],
        )?;
        // The draft's text names its complaint, so the draft key's format does not matter here.
        let drafts: HashMap<String, u64> =
            strings(&db, "SELECT text FROM drafts WHERE person = ?1", rusqlite::params![REVIEWER])?
                .iter()
                .map(|text| Ok((text.split(' ').next().unwrap_or_default().to_owned(), number_in(text)?)))
                .collect::<Result<_, String>>()?;
        // The number of the latest reflection submitted on each complaint.
        let mut latest_submission: HashMap<&str, u64> = HashMap::new();
        for (_, complaint, text) in &reflections {
            let n = number_in(text)?;
            let latest = latest_submission.entry(complaint.as_str()).or_default();
            *latest = (*latest).max(n);
        }
        let mut submissions = 0;
        let mut last_acknowledged: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
        let acks = run.acks();
        for ack in &acks {
            match ack.as_slice() {
                ["draft_saved", complaint, n] => {
                    last_acknowledged.insert(complaint, ("draft", number(n)?));
                }
                ["reflection_submitted", complaint, n, id] => {
                    submissions += 1;
                    let n = number(n)?;
                    last_acknowledged.insert(complaint, ("submission", n));
                    let kept = reflections.iter().find(|(kept, _, _)| kept == id);
                    match kept {
                        Some((_, number, text)) if number == complaint && number_in(text)? == n => {}
                        Some((_, _, text)) => return Err(format!("reflection {id} (#{n}) reads {text:?}")),
                        None => {
                            return Err(format!(
                                "reflection {id} on {complaint} (#{n}), acknowledged, is not in the vault"
                            ));
                        }
                    }
                }
                other => return Err(format!("unexpected acknowledgement {other:?}")),
            }
        }
        for (complaint, (what, n)) in last_acknowledged {
            let draft = drafts.get(complaint).copied();
            match what {
                // A saved draft is kept until a submission after it has committed.
                "draft" => {
                    let kept = draft.is_some_and(|kept| kept >= n)
                        || latest_submission.get(complaint).is_some_and(|kept| *kept >= n);
                    if !kept {
                        return Err(format!(
                            "the draft #{n} on {complaint} was acknowledged, but the vault has neither it nor a later submission (draft {draft:?})"
                        ));
                    }
                }
                // A submission acknowledged has removed its draft; only a later one may be there.
                _ => {
                    if draft.is_some_and(|kept| kept < n) {
                        return Err(format!(
                            "the reflection #{n} on {complaint} was acknowledged, but its draft (#{draft:?}) is still there"
                        ));
                    }
                }
            }
        }
        at_most_one_unacknowledged("reflections", reflections.len(), submissions)?;
        verify_two_minutes_later(vault)?;
        Ok(run.ran(format!("{} writes acknowledged", acks.len())))
    }

    fn rectification_trial(&self, vault: &Path, dir: &Path, kill: KillAt) -> Result<Ran, String> {
        let run = run_job(self.writer_command("rectification", vault, dir), |elapsed| kill.has_come(elapsed, &[]));
        run.ended_well()?;
        check_after_kill(vault)?;
        let view = rectify_show(vault, &self.case_id)?;
        let history = view["case"]["history"].as_array().cloned().unwrap_or_default();
        let taken: Vec<&str> =
            history.iter().skip(self.case_history_len).map(|line| line["action"].as_str().unwrap_or("?")).collect();
        let acks = run.acks();
        let acknowledged: Vec<&str> = acks.iter().map(|ack| ack[0]).collect();
        if taken.len() < acknowledged.len() || taken[..acknowledged.len()] != acknowledged[..] {
            return Err(format!(
                "the case's history after the trial is {taken:?}, but the steps acknowledged were {acknowledged:?}"
            ));
        }
        at_most_one_unacknowledged("rectification steps", taken.len(), acknowledged.len())?;
        let progress = view["case"]["progress"].as_array().cloned().unwrap_or_default();
        let stored: Vec<&str> =
            view["evidence"].as_array().into_iter().flatten().filter_map(|file| file["hash"].as_str()).collect();
        for ack in acks.iter().filter(|ack| ack[0] == "log_progress") {
            let [_, n, hash] = ack.as_slice() else { return Err(format!("unexpected acknowledgement {ack:?}")) };
            let n = number(n)?;
            let entry = progress.iter().find(|entry| entry["text"].as_str().and_then(|t| number_in(t).ok()) == Some(n));
            let Some(entry) = entry else {
                return Err(format!("the progress entry #{n}, acknowledged, is not on the case"));
            };
            if *hash != "-" {
                let attached = entry["evidence"].as_array().into_iter().flatten().any(|e| e["hash"] == *hash);
                if !attached || !stored.contains(hash) {
                    return Err(format!("the evidence {hash} of progress entry #{n}, acknowledged, is not kept"));
                }
            }
        }
        // An evidence file the kill caught between being stored and the progress entry naming it
        // being recorded must be gone once it is a minute old.
        verify_two_minutes_later(vault)?;
        Ok(run.ran(format!("{} steps acknowledged", acks.len())))
    }

    fn listening_trial(&self, vault: &Path, kill: KillAt) -> Result<Ran, String> {
        let mut args = vec!["play", LISTENING_CALL, "--json"];
        if cfg!(debug_assertions) {
            args.extend(["--end", DEBUG_LISTEN_TO_SECONDS]);
        }
        let command = tingjian_command(vault, LISTENER, &self.sound.env(), &args);
        let stop = Arc::new(AtomicBool::new(false));
        let flushes_seen = Arc::new(Mutex::new(Vec::new()));
        let watcher = {
            let (vault, stop, flushes_seen) = (vault.to_owned(), stop.clone(), flushes_seen.clone());
            std::thread::spawn(move || watch_heard_spans(&vault, &stop, &flushes_seen))
        };
        let run = run_job(command, |elapsed| kill.has_come(elapsed, &flushes_seen.lock().expect("the flushes seen")));
        stop.store(true, Ordering::Relaxed);
        let seen = watcher.join().expect("the watcher");
        run.ended_well()?;
        check_after_kill(vault)?;
        let db = read_only(vault)?;
        let kept = heard_spans(&db)?;
        let lost: Vec<&HeardRow> = seen.difference(&kept).collect();
        if !lost.is_empty() {
            return Err(format!("heard spans committed before the kill are gone: {lost:?}"));
        }
        let sessions =
            strings(&db, "SELECT id FROM listening_sessions WHERE person = ?1", rusqlite::params![LISTENER])?;
        if sessions.len() > 1 {
            return Err(format!("one play made {} sessions: {sessions:?}", sessions.len()));
        }
        if let Some(report) = run.report() {
            let session = report["session"]["id"].as_str().unwrap_or_default().to_owned();
            let ended = strings(
                &db,
                "SELECT COALESCE(end_reason, 'none') FROM listening_sessions WHERE id = ?1",
                rusqlite::params![session],
            )?;
            if ended.first() != report["session"]["end_reason"].as_str().map(str::to_owned).as_ref() {
                return Err(format!("the session {session} was reported ended, but the vault says {ended:?}"));
            }
            let in_vault = joined_spans(&db, &session)?;
            let reported: Vec<(i64, i64, String)> = report["session"]["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|span| {
                    (
                        span["start_ms"].as_i64().unwrap_or(-1),
                        span["end_ms"].as_i64().unwrap_or(-1),
                        span["channel"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            if in_vault != reported {
                return Err(format!("the session was reported with spans {reported:?}, the vault keeps {in_vault:?}"));
            }
        }
        verify_two_minutes_later(vault)?;
        let reported = if run.report().is_some() { "session reported" } else { "not reported" };
        Ok(run.ran(format!("{} flushed spans seen, all kept; {reported}", seen.len())))
    }
}

// ---- the writer child: the app's writes, one after another, each acknowledged -----------------

#[test]
#[ignore = "the writer process of the kill -9 trials, run and killed by `run_trials`"]
fn crash_writer_child() {
    if !in_child() {
        return;
    }
    let variable = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the trial"));
    let vault = PathBuf::from(variable("TJ_VAULT"));
    let complaints: Vec<String> = variable("TJ_COMPLAINTS").split(',').map(str::to_owned).collect();
    match variable("TJ_CRASH_JOB").as_str() {
        "notes" => write_notes(&vault, &complaints[0]),
        "reflections" => write_reflections(&vault, &complaints),
        "rectification" => take_rectification_steps(&vault, &variable("TJ_CASE"), Path::new(&variable("TJ_SCRATCH"))),
        other => panic!("unknown job {other}"),
    }
}

/// What the app does once a write has returned: tells the user. A line is written whole (a pipe
/// takes up to 4 KiB atomically), so the parent never reads half an acknowledgement.
fn acknowledge(fields: &[&str]) {
    println!("ACK {}", fields.join(" "));
}

/// Notes pinned to moments of a call; every third write edits an earlier note, so a kill can land
/// in an edit too. Each text ends with its write's number.
fn write_notes(vault: &Path, complaint: &str) {
    let mut vault = Vault::open(vault, REVIEWER).expect("open the vault");
    let started = Instant::now();
    let mut written: Vec<String> = Vec::new();
    for n in (0..).take_while(|_| started.elapsed() < WRITING_TIME) {
        let at_ms = n as u64 * 1_000;
        if n % 3 == 2 {
            let id = &written[n % written.len()];
            vault.edit_note(id, at_ms, &format!("改：坐席复述了客户的诉求 #{n}")).expect("edit a note");
            acknowledge(&["note_edited", id, &n.to_string()]);
        } else {
            let note =
                vault.add_note(complaint, at_ms, &format!("客户第 {n} 次提出同一诉求 #{n}")).expect("add a note");
            acknowledge(&["note_added", &note.id, &n.to_string()]);
            written.push(note.id);
        }
    }
}

/// Two drafts of a reflection saved as they are typed, then the reflection submitted, on one call
/// after another. Each text starts with its complaint and ends with its write's number.
fn write_reflections(vault: &Path, complaints: &[String]) {
    let mut vault = Vault::open(vault, REVIEWER).expect("open the vault");
    let started = Instant::now();
    let mut n = 0;
    for round in (0..).take_while(|_| started.elapsed() < WRITING_TIME) {
        let complaint = &complaints[round % complaints.len()];
        for stage in ["一、问题：坐席先解释规定", "一、问题：坐席先解释规定、后回应诉求"]
        {
            n += 1;
            vault.save_reflection_draft(complaint, &format!("{complaint} {stage} #{n}")).expect("save a draft");
            acknowledge(&["draft_saved", complaint, &n.to_string()]);
        }
        n += 1;
        let reflection = vault
            .submit_reflection(
                complaint,
                &format!("{complaint} 一、问题：坐席先解释规定、后回应诉求。二、改进：先致歉 #{n}"),
            )
            .expect("submit a reflection");
        acknowledge(&["reflection_submitted", complaint, &n.to_string(), &reflection.id]);
    }
}

/// The case in progress worked through cycles: progress with an evidence file and then done on each
/// open action, submitted, verified as partly effective (which reopens it), and an action added.
/// Each text ends with its step's number.
fn take_rectification_steps(vault: &Path, case_id: &str, scratch: &Path) {
    let mut head = Vault::open(vault, DEPARTMENT_HEAD).expect("open the vault as the department head");
    let mut coordinator = Vault::open(vault, COORDINATOR).expect("open the vault as the coordinator");
    let today = in_branch_zone(jiff::Timestamp::now()).date();
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < WRITING_TIME {
        let view = head.rectification_view(case_id).expect("the case");
        let open_actions: Vec<u32> = view
            .case
            .actions
            .iter()
            .enumerate()
            .filter(|(_, action)| !action.is_done())
            .map(|(i, _)| i as u32)
            .collect();
        for action in open_actions {
            n += 1;
            let evidence = scratch.join(format!("整改台账-{n}.txt"));
            std::fs::write(&evidence, format!("第 {n} 次整改进展的台账\n")).expect("write an evidence file");
            let view = head
                .log_rectification_progress(case_id, action, &format!("整改进展 #{n}"), &[evidence], false)
                .expect("log progress with evidence");
            let hash = view
                .case
                .progress
                .last()
                .and_then(|entry| entry.evidence.first())
                .map(|evidence| evidence.hash.clone())
                .expect("the entry's evidence");
            acknowledge(&["log_progress", &n.to_string(), &hash]);
            n += 1;
            head.log_rectification_progress(case_id, action, &format!("措施已完成 #{n}"), &[], true)
                .expect("log the action done");
            acknowledge(&["log_progress", &n.to_string(), "-"]);
        }
        n += 1;
        head.rectification_step(case_id, CaseAction::SubmitForVerification).expect("submit for verification");
        acknowledge(&["submit_for_verification", &n.to_string()]);
        n += 1;
        coordinator
            .rectification_step(
                case_id,
                CaseAction::Verify {
                    result: Effectiveness::PartlyEffective,
                    criteria: format!("观察期内无同类投诉 #{n}"),
                    observation: ObservationPeriod { from: today, to: today },
                    finding: format!("仍有一起同类投诉 #{n}"),
                    new_due_on: None,
                },
            )
            .expect("verify");
        acknowledge(&["verify", &n.to_string()]);
        n += 1;
        head.rectification_step(
            case_id,
            CaseAction::AddAction {
                action: NewAction {
                    measure: format!("补充整改措施 #{n}"),
                    owner: DEPARTMENT_HEAD.to_owned(),
                    due_on: today.saturating_add(30.days()),
                    done_criterion: "抽查台账".to_owned(),
                },
            },
        )
        .expect("add an action");
        acknowledge(&["add_action", &n.to_string()]);
    }
}

// ---- running and killing a process -----------------------------------------------------------

/// A process the trial ran, and how it ended.
#[derive(Debug)]
struct JobRun {
    stdout: String,
    stderr: String,
    status: ExitStatus,
    elapsed: Duration,
}

/// What a trial reports on success.
#[derive(Debug)]
struct Ran {
    /// The kill ended the process (else it ended by itself first).
    killed: bool,
    elapsed: Duration,
    /// What the trial found acknowledged before the kill, and checked: for the trial's line.
    checked: String,
}

impl JobRun {
    fn killed(&self) -> bool {
        self.status.signal() == Some(SIGKILL)
    }

    fn ran(&self, checked: String) -> Ran {
        Ran { killed: self.killed(), elapsed: self.elapsed, checked }
    }

    /// A process that ended by itself must have succeeded: the trials kill, nothing else may fail.
    fn ended_well(&self) -> Result<(), String> {
        if self.killed() || self.status.success() {
            Ok(())
        } else {
            Err(format!("the process failed by itself: {}", self.describe()))
        }
    }

    /// The `ACK` lines printed before the end, each split into its fields; a last line without
    /// its newline was cut by the kill and acknowledged nothing.
    fn acks(&self) -> Vec<Vec<&str>> {
        let whole = self.stdout.rfind('\n').map_or("", |end| &self.stdout[..end]);
        whole
            .lines()
            // libtest prints `test crash_writer_child ... ` before the test's own output, on the
            // same line as the first acknowledgement.
            .filter_map(|line| line.split_once("ACK ").map(|(_, fields)| fields))
            .map(|fields| fields.split(' ').collect())
            .collect()
    }

    /// The command's JSON report when it printed one whole: what the user was told was done.
    fn report(&self) -> Option<Value> {
        serde_json::from_str::<Value>(&self.stdout).ok().filter(|report| report.get("error").is_none())
    }

    fn describe(&self) -> String {
        format!("status {:?}\nstdout: {}\nstderr: {}", self.status, tail(&self.stdout), tail(&self.stderr))
    }
}

/// The signal `Child::kill` sends on Unix.
const SIGKILL: i32 = 9;

/// The end of a long output, where the error is.
fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(3_000);
    let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    &text[start..]
}

/// Runs `command`, killing it with SIGKILL as soon as `kill_now` (given the time since it started)
/// says so, unless it has ended by itself.
fn run_job(mut command: Command, mut kill_now: impl FnMut(Duration) -> bool) -> JobRun {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("start the process");
    let drain = |mut stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    while child.try_wait().expect("poll the process").is_none() {
        if kill_now(started.elapsed()) {
            child.kill().expect("kill the process");
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = child.wait().expect("wait for the process");
    let elapsed = started.elapsed();
    JobRun {
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        status,
        elapsed,
    }
}

// ---- checks on the vault ---------------------------------------------------------------------

/// `verify` passes on the vault the kill left, and the vault's opening removed every temporary
/// file the killed process was writing.
fn check_after_kill(vault: &Path) -> Result<(), String> {
    // The auditor's check reads without writing, so it sees what the kill left (named as
    // left-over files, warnings that do not fail it).
    let verify = tingjian_as(vault, AUDITOR, &[], &["verify", "--json"]);
    if !verify.status.success() {
        return Err(format!("verify failed after the kill: {}", describe(&verify)));
    }
    // Opening the vault to work in it removes the killed process's temporary files.
    let opened = tingjian_as(vault, AUDITOR, &[], &["status", "--json"]);
    if !opened.status.success() {
        return Err(format!("the vault did not open after the kill: {}", describe(&opened)));
    }
    let left = partial_files(vault);
    if !left.is_empty() {
        return Err(format!("opening the vault left the killed process's temporary files: {left:?}"));
    }
    Ok(())
}

/// Runs `tingjian ARGS…` with the clock two minutes ahead (faketime).
fn two_minutes_later(vault: &Path, args: &[&str]) -> Output {
    Command::new("faketime")
        .args(["-f", "+120s", env!("CARGO_BIN_EXE_tingjian"), "--vault"])
        .arg(vault)
        .args(args)
        .env("TINGJIAN_USER", AUDITOR)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .output()
        .expect("faketime is installed (make installs it)")
}

/// The vault opened and verified with the clock two minutes ahead, past the minute of grace a file
/// just stored is given: a file the killed process had stored without the event that names it is
/// removed when the vault is opened (it is then over a minute old), so `verify` passes and names
/// nothing left over.
fn verify_two_minutes_later(vault: &Path) -> Result<(), String> {
    let opened = two_minutes_later(vault, &["status", "--json"]);
    if !opened.status.success() {
        return Err(format!("the vault did not open two minutes after the kill: {}", describe(&opened)));
    }
    let output = two_minutes_later(vault, &["verify", "--json"]);
    if !output.status.success() {
        return Err(format!("verify two minutes after the kill failed: {}", describe(&output)));
    }
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|error| format!("verify's JSON: {error}"))?;
    let left: Vec<&Value> = report["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|warning| warning["kind"] == "left_over_file")
        .collect();
    if !left.is_empty() {
        return Err(format!("opening the vault two minutes later left files no event names: {left:?}"));
    }
    Ok(())
}

/// Files named `*.partial` anywhere in the vault.
fn partial_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "partial") {
                found.push(path);
            }
        }
    }
    found
}

/// After a kill, at most the one write it interrupted may be in the vault unacknowledged.
fn at_most_one_unacknowledged(what: &str, in_vault: usize, acknowledged: usize) -> Result<(), String> {
    if in_vault > acknowledged + 1 {
        return Err(format!("the vault holds {in_vault} {what}, but only {acknowledged} were acknowledged"));
    }
    Ok(())
}

/// The complaints (and their recordings) and the recordings a vault holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct VaultContents {
    complaints: Vec<(String, String)>,
    recordings: Vec<String>,
}

impl VaultContents {
    fn read(vault: &Path) -> Result<VaultContents, String> {
        let db = read_only(vault)?;
        Ok(VaultContents {
            complaints: pairs(
                &db,
                "SELECT number, COALESCE(recording_hash, '') FROM complaints ORDER BY number",
                rusqlite::params![],
            )?,
            recordings: strings(&db, "SELECT hash FROM recordings ORDER BY hash", rusqlite::params![])?,
        })
    }

    fn compared_with(&self, whole: &VaultContents) -> String {
        let missing: Vec<&(String, String)> =
            whole.complaints.iter().filter(|c| !self.complaints.contains(c)).collect();
        let missing_audio: Vec<&String> = whole.recordings.iter().filter(|r| !self.recordings.contains(r)).collect();
        format!(
            "{} complaints and {} recordings where a whole import has {} and {}; missing: {missing:?} {missing_audio:?}",
            self.complaints.len(),
            self.recordings.len(),
            whole.complaints.len(),
            whole.recordings.len()
        )
    }
}

/// A heard span as the vault keeps it: session, start, end, channel.
type HeardRow = (String, i64, i64, String);

fn heard_spans(db: &Connection) -> Result<BTreeSet<HeardRow>, String> {
    let mut statement = db
        .prepare(
            "SELECT sp.session_id, sp.start_ms, sp.end_ms, sp.channel FROM listening_spans sp
             JOIN listening_sessions s ON s.id = sp.session_id WHERE s.person = ?1",
        )
        .map_err(|e| e.to_string())?;
    let rows = statement
        .query_map([LISTENER], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

/// A session's spans as `tingjian play` reports them: in the order written, each joined to the one
/// before when it carries straight on (a flush cuts a stretch of listening in two).
fn joined_spans(db: &Connection, session: &str) -> Result<Vec<(i64, i64, String)>, String> {
    let mut statement = db
        .prepare("SELECT start_ms, end_ms, channel FROM listening_spans WHERE session_id = ?1 ORDER BY id")
        .map_err(|e| e.to_string())?;
    let rows = statement
        .query_map([session], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<(i64, i64, String)>, _>>()
        .map_err(|e| e.to_string())?;
    let mut joined: Vec<(i64, i64, String)> = Vec::new();
    for (start, end, channel) in rows {
        match joined.last_mut() {
            Some(last) if last.2 == channel && last.1 == start => last.1 = end,
            _ => joined.push((start, end, channel)),
        }
    }
    Ok(joined)
}

/// Reads the heard spans committed to the vault, as any reader of the file would see them, until
/// told to stop: every flush the playing process made. Notes in `flushes_seen` when each flush was
/// first seen.
fn watch_heard_spans(vault: &Path, stop: &AtomicBool, flushes_seen: &Mutex<Vec<Instant>>) -> BTreeSet<HeardRow> {
    let mut seen = BTreeSet::new();
    let mut db = None;
    while !stop.load(Ordering::Relaxed) {
        if db.is_none() {
            db = read_only(vault).ok();
        }
        if let Some(Ok(rows)) = db.as_ref().map(heard_spans) {
            // A flush may write several spans; new ones in one reading are one flush (flushes
            // come a period apart, or a moment apart at the end: never within one reading).
            let before = seen.len();
            seen.extend(rows);
            if seen.len() > before {
                flushes_seen.lock().expect("the flushes seen").push(Instant::now());
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    seen
}

/// `tingjian rectify show` of a case, as JSON.
fn rectify_show(vault: &Path, case_id: &str) -> Result<Value, String> {
    let output = tingjian_as(vault, COORDINATOR, &[], &["rectify", "show", case_id, "--json"]);
    if !output.status.success() {
        return Err(format!("rectify show failed: {}", describe(&output)));
    }
    Ok(json(&output))
}

fn case_history(vault: &Path, case_id: &str) -> Result<Vec<Value>, String> {
    Ok(rectify_show(vault, case_id)?["case"]["history"].as_array().cloned().unwrap_or_default())
}

/// A connection that can only read, as an auditor's would.
fn read_only(vault: &Path) -> Result<Connection, String> {
    Connection::open_with_flags(vault.join(tingjian_vault::DATABASE_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|error| format!("open the vault's database: {error}"))
}

fn strings(db: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<String>, String> {
    let mut statement = db.prepare(sql).map_err(|e| e.to_string())?;
    let rows = statement.query_map(params, |row| row.get(0)).map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

fn pairs(db: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<(String, String)>, String> {
    let mut statement = db.prepare(sql).map_err(|e| e.to_string())?;
    let rows = statement.query_map(params, |row| Ok((row.get(0)?, row.get(1)?))).map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

fn triples(
    db: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<(String, String, String)>, String> {
    let mut statement = db.prepare(sql).map_err(|e| e.to_string())?;
    let rows =
        statement.query_map(params, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

fn number(text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| format!("{text:?} is not a write's number"))
}

/// The write's number a text ends with (`… #12`).
fn number_in(text: &str) -> Result<u64, String> {
    text.rsplit_once('#').ok_or_else(|| format!("{text:?} has no write's number")).and_then(|(_, n)| number(n))
}

// ---- files -----------------------------------------------------------------------------------

/// [`LISTENING_CALL`] and its export in `dir`: 8 kHz, 16-bit, the agent a 300 Hz tone on the left
/// and the customer a 450 Hz one on the right, both sounding the whole time.
fn write_listening_call(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create dir");
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(dir.join("listening-call.wav"), spec).expect("create the call");
    for n in 0..LISTENING_CALL_SECONDS * 8000 {
        let t = n as f32 / 8000.0;
        writer.write_sample(((t * 300.0 * std::f32::consts::TAU).sin() * 8000.0) as i16).expect("sample");
        writer.write_sample(((t * 450.0 * std::f32::consts::TAU).sin() * 6000.0) as i16).expect("sample");
    }
    writer.finalize().expect("finish the call");
    std::fs::write(
        dir.join("export.csv"),
        format!(
            "投诉编号,受理时间,责任机构,录音文件\n{LISTENING_CALL},2026-11-02 09:30:00,信用卡中心,listening-call.wav\n"
        ),
    )
    .expect("write the export");
}

/// A trial's own copy of a template vault. Its stored recordings are hard links: a recording is
/// written under a temporary name and renamed, never written again, so the trials can share the
/// template's (the listening call of a release build alone is 38 MB); everything else is copied.
fn copy_vault(from: &Path, to: &Path) {
    let audio = from.join(tingjian_vault::AUDIO_DIR);
    copy_files(from, to, &|path| path.starts_with(&audio));
}

fn copy_tree(from: &Path, to: &Path) {
    copy_files(from, to, &|_| false);
}

/// Copies the folder `from` to `to`, hard-linking the files `link` picks.
fn copy_files(from: &Path, to: &Path, link: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("type").is_dir() {
            copy_files(&source, &target, link);
        } else if link(&source) {
            std::fs::hard_link(&source, &target).expect("link");
        } else {
            std::fs::copy(&source, &target).expect("copy");
        }
    }
}

/// Copies a failed trial's folder (the vault as the kill and the checks left it) under
/// `target/crash-failures`, where it outlives the test's temporary folder.
fn keep_for_inspection(dir: &Path, seed: u64, index: usize, operation: Operation) -> PathBuf {
    let kept = shared_demo_calls()
        .with_file_name("crash-failures")
        .join(format!("seed-{seed}-trial-{index}-{}", operation.name().replace(' ', "-")));
    let _ = std::fs::remove_dir_all(&kept);
    copy_tree(dir, &kept);
    kept
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status,
        tail(&String::from_utf8_lossy(&output.stdout)),
        tail(&String::from_utf8_lossy(&output.stderr))
    )
}

// Generated from Rust by src-tauri/src/bindings.rs (ts-rs). Do not edit: run `make bindings`.

export type ErrorCode = "VAULT_NOT_A_DIRECTORY" | "VAULT_READ_ONLY" | "VAULT_SCHEMA_TOO_NEW" | "VAULT_NOT_FOUND" | "VAULT_ALREADY_EXISTS" | "VAULT_DATABASE" | "IO" | "INVALID_INPUT" | "TOOL_MISSING" | "TOOL_FAILED" | "VERIFY_FAILED" | "RECORDING_NOT_FOUND" | "LISTENING_SESSION_CLOSED" | "AUDIO_DEVICE_UNAVAILABLE" | "AUDIO_DEVICE_LOST" | "AUDIO_DAMAGED" | "QUARTER_LOCKED" | "COMPLAINT_NOT_FOUND" | "NOTE_NOT_FOUND" | "CASE_NOT_FOUND" | "NOT_PERMITTED" | "TRANSITION_REFUSED" | "NOT_A_DEMO_VAULT" | "PATH_NOT_CHOSEN" | "CLOCK_BEHIND" | "SIGN_IN_REQUIRED" | "ACCOUNT_NOT_FOUND" | "WRONG_PASSPHRASE" | "SIGN_IN_DELAYED" | "PASSPHRASE_CHANGE_REQUIRED" | "KEY_UNUSABLE" | "FONTS_MISSING" | "INTERNAL";

export type UiError = { code: ErrorCode, message_zh: string, message_en: string, };

export type QuarterState = "planning" | "open" | "closed";

export type Complaint = { 
/**
 * 投诉编号: the complaint system's number, unique within the vault.
 */
number: string, 
/**
 * 受理时间
 */
accepted_at: string, 
/**
 * 投诉渠道
 */
channel: string, 
/**
 * 业务类别
 */
business_line: string, 
/**
 * 投诉类别
 */
category: string, 
/**
 * 责任机构: the responsible department or sub-branch.
 */
department: string, 
/**
 * 客户姓名 (personal data: masked in anything that does not need it).
 */
customer_name: string, 
/**
 * 联系电话 (personal data).
 */
phone: string, 
/**
 * 首次响应时间
 */
first_response_at: string | null, 
/**
 * 办结时间
 */
resolved_at: string | null, 
/**
 * 处理状态
 */
status: string, 
/**
 * 录音文件 as written in the export.
 */
recording_file: string, 
/**
 * 是否监管转办
 */
regulator_forwarded: boolean, 
/**
 * 转办时间: when the complaint was passed to the responsible unit, where the export has it;
 * the one-hour response clock starts here (else at acceptance). Absent from the payloads of
 * complaints recorded before it was imported, which therefore keep their exact text.
 */
dispatched_at?: string, 
/**
 * 投诉摘要
 */
summary: string, };

export type Interval = { start_ms: number, end_ms: number, };

export type ChannelAnalytics = { 
/**
 * Sorted, disjoint stretches where this channel's party speaks.
 */
speech: Array<Interval>, 
/**
 * The total length of `speech`.
 */
speech_ms: number, };

export type CallAnalytics = { 
/**
 * One entry per channel, in the file's channel order (in the usual wiring 0 is the agent and
 * 1 the customer).
 */
channels: Array<ChannelAnalytics>, 
/**
 * Stretches of at least `TALK_OVER_MIN_MS` (in `tingjian-audio`) where both channels speak at once. Empty for a
 * mono file and when the channels are not separated.
 */
talk_over: Array<Interval>, 
/**
 * Silences of every channel lasting at least `DEAD_AIR_MIN_MS` (in `tingjian-audio`), counted only between the
 * first and the last speech of the call: the time before the first word (ringing, the
 * recorder starting) and after the last (hanging up) is not a silence in the conversation.
 * A recording without any speech therefore has no dead air.
 */
dead_air: Array<Interval>, 
/**
 * Channel 0's share of all speech, from 0 to 1: the agent's share in the usual wiring. Only for
 * a separated two-channel recording with some speech.
 */
talk_ratio: number | null, 
/**
 * True for a two-channel recording with one party per channel. False for one channel, for two
 * channels carrying the same mix (a mono call stored as stereo) and for more than two
 * channels: then the parties cannot be told apart by channel, every channel is analysed on its
 * own without the crosstalk rule, and there is no talk-over or talk ratio.
 */
channels_separated: boolean, };

export type Recording = { 
/**
 * BLAKE3 of the file's bytes, hex; also its name in the store.
 */
hash: string, 
/**
 * The file name it was imported under.
 */
original_name: string, 
/**
 * Container, e.g. `wav`, `mp3`, `m4a`, `flac`.
 */
container: string, 
/**
 * Codec, e.g. `pcm_s16le`, `pcm_mulaw`, `mp3`, `aac`, `flac`, `opus`, `gsm_ms`, `amr_nb`.
 */
codec: string, sample_rate: number, channels: number, 
/**
 * Duration from the frames actually decoded, in milliseconds.
 */
duration_ms: number, bytes: number, 
/**
 * Who spoke when, from the same decode. Absent for recordings stored before analytics existed.
 */
analytics: CallAnalytics | null, };

export type Person = { id: string, display_name: string, role: Role, 
/**
 * The department a department head answers for.
 */
department?: string, };

export type DepartmentCount = { department: string, complaints: number, with_recording: number, 
/**
 * 监管转办: forwarded by the regulator.
 */
regulator_forwarded: number, };

export type VaultStatus = { vault_path: string, vault_id: string, schema_version: number, 
/**
 * The quarter today falls in, in the branch's zone, e.g. `2026Q4`.
 */
current_quarter: string, current_quarter_starts_on: string, current_quarter_ends_on: string, 
/**
 * The quarter's state, or `None` when it has not been set up in this vault.
 */
quarter_state: QuarterState | null, complaints_in_quarter: number, recordings_in_quarter: number, complaints_total: number, recordings_total: number, events: number, head_hash: string | null, 
/**
 * The vault holds the demo's synthetic data (`tingjian demo`), not a real quarter.
 */
demo: boolean, last_event_at: string | null, 
/**
 * This quarter's complaints per responsible department, most complaints first.
 */
departments: Array<DepartmentCount>, };

export type ProblemKind = "event_edited" | "event_missing" | "event_reordered" | "event_chain_broken" | "event_unreadable" | "event_backdated" | "listening_implausible" | "left_over_file" | "signature_invalid" | "signed_with_revoked_key" | "event_unauthorized" | "event_unsigned" | "checkpoint_contradicted" | "row_changed" | "row_missing" | "row_added" | "audio_missing" | "audio_altered" | "evidence_missing" | "evidence_altered" | "stray_file";

export type VerifyProblem = { kind: ProblemKind, 
/**
 * The event the problem is about (the one edited, missing, or that wrote the row).
 */
event_seq: number | null, table: string | null, key: string | null, message_zh: string, message_en: string, };

export type VerifyReport = { ok: boolean, events_checked: number, recordings_checked: number, head_hash: string | null, 
/**
 * What was altered, missing or refused: any one makes `ok` false.
 */
problems: Array<VerifyProblem>, 
/**
 * Intact records that do not prove what they claim (listening no person could have heard in
 * the time it took): named for the auditor, without failing the check, because the log and
 * files are as they were written.
 */
warnings: Array<VerifyProblem>, 
/**
 * Events whose signature was checked and holds.
 */
signed_events: number, 
/**
 * Events written before the vault had accounts, which carry no signature ("unsigned, before
 * accounts"): their actor is the id that was typed.
 */
unsigned_events: number, };

export type ImportReport = { complaints_added: number, complaints_updated: number, complaints_unchanged: number, recordings_added: number, recordings_unchanged: number, links_added: number, 
/**
 * Handling limits of 30 or 60 days the export records (办理时限, 是否延期), recorded as
 * extensions.
 */
extensions_recorded: number, rejected: Array<Rejected>, warnings: Array<Rejected>, 
/**
 * Complaints whose 录音文件 names no recording that was found. Each one that names a file
 * also has a warning naming the file and why it was not linked (not in the folder, not
 * imported, or matching several files).
 */
complaints_without_recording: Array<string>, 
/**
 * Recordings no complaint names.
 */
recordings_without_complaint: Array<string>, 
/**
 * The import was cancelled part-way; complaints were not recorded yet.
 */
cancelled: boolean, };

export type Rejected = { 
/**
 * The file, or `file:row` for a row of the export.
 */
source: string, reason_zh: string, reason_en: string, };

export type ImportProgress = { done: number, total: number, };

export type ExportPreview = { 
/**
 * The header's row number as a spreadsheet shows it (title rows above it are skipped).
 */
header_row: number, columns: Array<ColumnPreview>, 
/**
 * The first data rows, as text.
 */
rows: Array<Array<string>>, 
/**
 * Data rows in the whole export.
 */
total_rows: number, 
/**
 * Every field a column can fill, by standard name, for the mapping editor.
 */
fields: Array<string>, };

export type ColumnMapping = { [key in string]: string | null };

export type ColumnPreview = { header: string, 
/**
 * The standard name of the field (e.g. 投诉编号), or `None` when the column is not imported.
 */
field: string | null, };

export type ComplaintQuery = { 
/**
 * One complaint by its number.
 */
number?: string, quarter: string | null, department: string | null, business_line: string | null, category: string | null, channel: string | null, 
/**
 * `YYYY-MM`, in the branch's zone.
 */
month: string | null, has_recording: boolean | null, regulator_forwarded: boolean | null, 
/**
 * Reviewed = at least one reflection (总结反思) submitted.
 */
reviewed: boolean | null, 
/**
 * Full text: a literal substring of the number, the summary or a note (case-insensitive for
 * Latin letters). Quotes, `*`, `OR` and the like are searched for as written.
 */
text: string | null, sort: ComplaintSort, descending: boolean, };

export type ComplaintSort = "accepted_at" | "number" | "department" | "business_line" | "category" | "channel" | "duration";

export type ComplaintRow = { number: string, accepted_at: string, quarter: string, channel: string, business_line: string, category: string, department: string, 
/**
 * Masked: `张*`.
 */
customer_masked: string, regulator_forwarded: boolean, status: string, summary: string, recording_hash: string | null, recording_name: string | null, recording_codec: string | null, duration_ms: number | null, 
/**
 * At least one reflection (总结反思) has been submitted on it.
 */
reviewed: boolean, 
/**
 * How many notes reviewers pinned to its call.
 */
note_count: number, };

export type ComplaintPage = { total: number, 
/**
 * The offset the page starts at, as asked.
 */
offset: number, rows: Array<ComplaintRow>, };

export type LibraryFacets = { quarters: Array<string>, departments: Array<string>, business_lines: Array<string>, categories: Array<string>, channels: Array<string>, months: Array<string>, };

export type ImportRequest = { 
/**
 * The export, as `pick_export` returned it.
 */
manifest: string, 
/**
 * The recordings folder, as `pick_recordings_folder` returned it.
 */
recordings: string, link_pattern: string | null, 
/**
 * The mapping as corrected in the preview; `None` uses the saved one.
 */
mapping: { [key in string]: string | null } | null, 
/**
 * Keep the corrected mapping for next time.
 */
save_mapping: boolean, };

export type ChannelMode = "both" | "agent" | "customer";

export type HeardSpan = { start_ms: number, end_ms: number, channel: ChannelMode, };

export type Coverage = { duration_ms: number, 
/**
 * Time at which both parties have been heard (see [`coverage`]).
 */
heard_ms: number, 
/**
 * `heard_ms` as a percentage of the duration, 0–100.
 */
percent: number, 
/**
 * The heard stretches of the call (both parties), sorted and disjoint.
 */
heard: Array<Interval>, };

export type ListeningSessionReport = { id: string, recording_hash: string, complaint_number: string | null, person: string, device: string, started_at: string, 
/**
 * When the last spans were flushed: the end of what is known for an interrupted session.
 */
last_heard_at: string, 
/**
 * `None` when the session was interrupted (crash, power loss).
 */
ended_at: string | null, end_reason: string | null, 
/**
 * Every span played, in the order played; a span a flush cut in two is shown whole.
 */
spans: Array<HeardSpan>, 
/**
 * This session's coverage of the recording.
 */
coverage: Coverage, };

export type ComplaintDetails = { first_response_at: string | null, resolved_at: string | null, 
/**
 * `138****1234`.
 */
phone_masked: string, number: string, accepted_at: string, quarter: string, channel: string, business_line: string, category: string, department: string, 
/**
 * Masked: `张*`.
 */
customer_masked: string, regulator_forwarded: boolean, status: string, summary: string, recording_hash: string | null, recording_name: string | null, recording_codec: string | null, duration_ms: number | null, 
/**
 * At least one reflection (总结反思) has been submitted on it.
 */
reviewed: boolean, 
/**
 * How many notes reviewers pinned to its call.
 */
note_count: number, };

export type Note = { id: string, complaint_number: string, recording_hash: string, person: string, 
/**
 * The author's display name, or their id when the vault does not know them.
 */
person_name: string, at_ms: number, text: string, created_at: string, 
/**
 * When the author last changed it; earlier texts stay in the log.
 */
edited_at: string | null, 
/**
 * The audit event that last wrote it (added or edited): its signature is the note's "signed
 * by" line.
 */
event_seq: number, };

export type Reflection = { id: string, complaint_number: string, person: string, 
/**
 * The author's display name, or their id when the vault does not know them.
 */
person_name: string, text: string, submitted_at: string, 
/**
 * The audit event that recorded it: its signature is the reflection's "signed by" line.
 */
event_seq: number, };

export type Draft = { text: string, saved_at: string, };

export type PersonalData = { complaint_number: string, customer_name: string, phone: string, 
/**
 * The audit event that recorded the reveal.
 */
event_seq: number, };

export type RectificationRequest = { complaint_number: string, department: string, what_must_change: string, 
/**
 * Notes on the call that show the problem.
 */
note_ids: Array<string>, severity: CaseSeverity, 
/**
 * `YYYY-MM-DD`; `None` gives the policy's days from today in the branch's zone.
 */
due_date?: string, };

export type RectificationCase = { id: string, complaint_number: string, recording_hash: string | null, department: string, what_must_change: string, note_ids: Array<string>, severity: CaseSeverity, due_date: string, state: string, opened_by: string, opened_at: string, };

export type CaseState = "draft" | "open" | "in_progress" | "pending_verification" | "closed" | "cancelled";

export type Effectiveness = "effective" | "partly_effective" | "not_effective";

export type Role = "president" | "coordinator" | "department_head" | "reviewer" | "owner";

export type CaseSeverity = "normal" | "serious" | "critical";

export type Actor = { id: string, role: Role, department?: string, };

export type ActionKind = "open" | "answer" | "add_action" | "log_progress" | "submit_for_verification" | "verify" | "cancel";

export type NewAction = { 
/**
 * What will be done (整改措施).
 */
measure: string, 
/**
 * Who is responsible for it.
 */
owner: string, due_on: string, 
/**
 * What will count as done (完成标准).
 */
done_criterion: string, };

export type RectificationAction = { measure: string, owner: string, due_on: string, done_criterion: string, 
/**
 * The day progress marking it done was logged; once set it never changes.
 */
done_on: string | null, added_on: string, added_by: string, };

export type RootCause = { 
/**
 * A short category (such as 制度 / 流程 / 培训 / 系统 / 人员).
 */
category: string, text: string, 
/**
 * Complaint numbers of similar cases, when there are any.
 */
similar_complaints: Array<string>, };

export type DepartmentAnswer = { 
/**
 * 总结反思
 */
reflection: string, root_cause: RootCause, answered_on: string, answered_by: string, };

export type Evidence = { 
/**
 * BLAKE3 of the file's bytes, hex.
 */
hash: string, 
/**
 * The file name it was added under.
 */
name: string, };

export type ProgressEntry = { 
/**
 * Index into [`Case::actions`].
 */
action: number, on: string, by: string, text: string, evidence: Array<Evidence>, 
/**
 * This entry reports the action done.
 */
marks_done: boolean, };

export type ObservationPeriod = { from: string, to: string, };

export type CaseVerification = { result: Effectiveness, 
/**
 * What was checked (验证标准).
 */
criteria: string, observation: ObservationPeriod, 
/**
 * What was found; required unless the result is effective.
 */
finding: string, verified_on: string, verified_by: string, 
/**
 * The case's new due date when this check reopened it.
 */
reopened_due_on: string | null, };

export type Cancellation = { reason: string, on: string, by: string, };

export type TransitionRecord = { from: CaseState, to: CaseState, action: ActionKind, on: string, by: string, };

export type CaseAction = { "kind": "open", due_on: string | null, } | { "kind": "answer", reflection: string, root_cause: RootCause, actions: Array<NewAction>, } | { "kind": "add_action", action: NewAction, } | { "kind": "log_progress", action: number, text: string, evidence: Array<Evidence>, marks_done: boolean, } | { "kind": "submit_for_verification" } | { "kind": "verify", result: Effectiveness, criteria: string, observation: ObservationPeriod, finding: string, new_due_on: string | null, } | { "kind": "cancel", reason: string, };

export type RectificationPolicy = { 
/**
 * A case is due this many days after it is opened (or reopened), unless a date is given.
 */
case_due_days: number, 
/**
 * A case pending verification for more than this many days is flagged for the coordinator.
 */
verification_wait_days: number, };

export type OverdueFlag = { "kind": "action_overdue", action: number, due_on: string, days_late: number, } | { "kind": "case_overdue", due_on: string, days_late: number, } | { "kind": "awaiting_verification", since: string, days_waiting: number, };

export type Case = { id: string, 
/**
 * The responsible department (责任机构).
 */
department: string, state: CaseState, created_on: string, created_by: string, 
/**
 * The day it was issued to the department; `None` while a draft.
 */
opened_on: string | null, 
/**
 * The current due date; a verification that reopens the case sets a new one.
 */
due_on: string | null, answer: DepartmentAnswer | null, actions: Array<RectificationAction>, progress: Array<ProgressEntry>, 
/**
 * The day it was last submitted for verification.
 */
submitted_on: string | null, verifications: Array<CaseVerification>, cancellation: Cancellation | null, history: Array<TransitionRecord>, };

export type RectificationFilter = { state: CaseState | null, department: string | null, 
/**
 * Only cases with something late.
 */
overdue: boolean, 
/**
 * Only the cases of the current person's department (a department head's list).
 */
mine: boolean, };

export type RectificationSummary = { id: string, complaint_number: string, department: string, what_must_change: string, severity: CaseSeverity, state: CaseState, 
/**
 * `YYYY-MM-DD`, empty for a draft.
 */
due_date: string, opened_at: string, opened_by: string, opened_by_name: string, actions_total: number, actions_done: number, overdue: Array<OverdueFlag>, };

export type EvidenceFile = { hash: string, name: string, bytes: number, };

export type RectificationView = { summary: RectificationSummary, case: Case, complaint: ComplaintDetails | null, recording_hash: string | null, 
/**
 * The notes on the call that show the problem.
 */
notes: Array<Note>, evidence: Array<EvidenceFile>, 
/**
 * The current person as the rules see them, and the steps they may take now.
 */
me: Actor, available: Array<ActionKind>, 
/**
 * Display names of everyone the case mentions, by id.
 */
names: { [key in string]: string }, 
/**
 * The audit events of the case in order: the one that required or drafted it, then one per
 * line of `case.history`. Their signatures are the "signed by" lines of the history.
 */
step_events: Array<number>, };

export type ReviewView = { hash: string, original_name: string, duration_ms: number, channels: number, 
/**
 * The complaint, personal data masked.
 */
complaint: ComplaintDetails | null, analytics: CallAnalytics | null, 
/**
 * What the current person has heard of it, over all their sessions.
 */
my_coverage: Coverage, 
/**
 * What anyone has heard of it.
 */
all_coverage: Coverage, 
/**
 * The person reviewing (the vault's actor): their own notes can be edited.
 */
person: string, 
/**
 * Everyone's notes on the call, in the order of the call.
 */
notes: Array<Note>, 
/**
 * Reflections submitted on the complaint, oldest first.
 */
reflections: Array<Reflection>, 
/**
 * The current person's unsubmitted reflection, as last saved.
 */
draft: Draft | null, 
/**
 * Rectification cases opened for the complaint.
 */
rectifications: Array<RectificationCase>, 
/**
 * The departments a rectification can be required of (those the vault knows).
 */
departments: Array<string>, };

export type Waveform = { sample_rate: number, channels: number, duration_ms: number, 
/**
 * Frames each bin covers.
 */
frames_per_bin: number, 
/**
 * The frame where the first bin starts (at or before `start_ms`).
 */
first_frame: number, 
/**
 * `min[channel][bin]` and `max[channel][bin]`, scaled so ±32768 is full scale.
 */
min: Array<Array<number>>, max: Array<Array<number>>, };

export type PlayerSettings = { 
/**
 * 0.5 to 2; pitch is preserved.
 */
speed: number, 
/**
 * 0 to 1; time played at volume 0 is not counted as heard.
 */
volume: number, channel: ChannelMode, 
/**
 * How far back playback resumes after a pause, so the reviewer hears the words again.
 */
rewind_on_resume_ms: number, 
/**
 * Jump over dead air longer than [`SKIP_SILENCE_MIN_MS`].
 */
skip_silence: boolean, };

export type PlayerOpened = { session_id: string, device: string, duration_ms: number, };

export type PlayerUpdate = { 
/**
 * What the sound device has actually played, in ms of the recording.
 */
position_ms: number, playing: boolean, 
/**
 * Playback reached the end of the recording (or the stop point).
 */
ended: boolean, 
/**
 * The sound device is gone; reopening the recording opens it again.
 */
device_lost: boolean, 
/**
 * The reviewer's coverage, sent after each flush of heard spans to the vault.
 */
my_coverage: Coverage | null, 
/**
 * Everyone's coverage of the recording, sent with `my_coverage`.
 */
all_coverage: Coverage | null, 
/**
 * Playback stopped for a reason the reviewer must see (the device was lost, the file broke
 * off); the session is ended and what was heard is kept.
 */
problem: UiError | null, };

export type OutputDeviceInfo = { 
/**
 * The host's own identifier (for ALSA the PCM name, e.g. `default`, `pulse`, `hw:CARD=PCH,DEV=0`).
 */
id: string, 
/**
 * A name for people.
 */
name: string, 
/**
 * Whether this is the system's default output.
 */
is_default: boolean, };

export type Severity = "high" | "medium" | "low";

export type Reviewer = { 
/**
 * A stable identifier, used in assignments (later the account id).
 */
id: string, display_name: string, role: Role, 
/**
 * The department (责任机构) a department head answers for; only department heads have one.
 */
department?: string, 
/**
 * The fewest calls this reviewer hears in the quarter. A president needs at least 1.
 */
min_calls: number, };

export type Dimension = "department" | "business_line" | "category" | "severity";

export type Allocation = "proportional" | "quotas";

export type Quota = { department?: string, business_line?: string, category?: string, severity?: Severity, calls: number, };

export type Strata = { 
/**
 * The properties that define a stratum; empty means one stratum of everything.
 */
by: Array<Dimension>, allocation: Allocation, 
/**
 * With proportional allocation: the number of calls drawn over all strata, mandatory calls
 * included.
 */
total: number, 
/**
 * With quotas: the calls of each named stratum, mandatory calls included.
 */
quotas?: Array<Quota>, 
/**
 * With quotas: the calls of every stratum no quota names.
 */
other_strata_calls: number, };

export type MandatoryRules = { 
/**
 * 监管转办: forwarded by the regulator.
 */
regulator_forwarded: boolean, 
/**
 * Escalated (see [`crate::is_escalated`]).
 */
escalated: boolean, 
/**
 * Handled past the 15-day limit (see [`crate::is_overdue`]).
 */
overdue: boolean, 
/**
 * A customer who complained more than once (same phone number) in the population: their most
 * recent complaint that has a recording.
 */
repeat_complainant: boolean, };

export type Exclusions = { 
/**
 * Recordings shorter than this many seconds are not drawn; absent or 0 means no limit.
 */
shorter_than_seconds?: number, 
/**
 * Complaints already reviewed in an earlier quarter are not drawn again.
 */
reviewed_before: boolean, };

export type DurationRange = { min_seconds?: number, max_seconds?: number, };

export type DueRule = { "days_after_draw": number } | { "date": string };

export type Policy = { 
/**
 * The quarter the policy is for, e.g. `2026Q4`. When given, "unresolved for more than 15
 * days" is judged at the end of this quarter (or at the draw, if that comes first).
 */
quarter?: string, 
/**
 * When the assigned reviews are due.
 */
due: DueRule, 
/**
 * Who listens, and how many calls each needs at least.
 */
reviewers: Array<Reviewer>, 
/**
 * How the population is split and how many calls each part gives.
 */
strata: Strata, 
/**
 * Which calls are always drawn.
 */
mandatory: MandatoryRules, 
/**
 * Which calls are never drawn.
 */
exclusions: Exclusions, 
/**
 * Calls inside this range of durations are preferred when choosing within a stratum; calls
 * outside it are still drawn when the stratum needs them.
 */
preferred_duration?: DurationRange, };

export type Stratum = { department?: string, business_line?: string, category?: string, severity?: Severity, };

export type MandatoryKind = "regulator_forwarded" | "escalated" | "overdue" | "repeat_complainant";

export type Selection = "mandatory" | "stratum" | "reviewer_minimum" | "by_hand";

export type ShortfallKind = { "kind": "total" } | { "kind": "stratum", stratum: Stratum, } | { "kind": "reviewer", reviewer_id: string, } | { "kind": "mandatory_without_recording", complaint_number: string, mandatory: Array<MandatoryKind>, };

export type Shortfall = { wanted: number, available: number, message_zh: string, message_en: string, } & ({ "kind": "total" } | { "kind": "stratum", stratum: Stratum, } | { "kind": "reviewer", reviewer_id: string, } | { "kind": "mandatory_without_recording", complaint_number: string, mandatory: Array<MandatoryKind>, });

export type Reassignment = { complaint_number: string, recorded_reviewer_id: string, expected_reviewer_id: string, };

export type Alteration = { complaint_number: string, field: string, recorded: string, expected: string, };

export type Verification = { matches: boolean, recorded_fingerprint: string, 
/**
 * The fingerprint of the population given now; `None` when it could not be computed.
 */
current_fingerprint: string | null, fingerprint_matches: boolean, 
/**
 * Drawn by the re-run but absent from the record.
 */
missing: Array<string>, 
/**
 * In the record but not drawn by the re-run (calls added by hand are not counted here).
 */
extra: Array<string>, reassigned: Array<Reassignment>, altered: Array<Alteration>, 
/**
 * The recorded shortfalls differ from the re-run's (compared without their messages, whose
 * wording may improve between versions).
 */
shortfalls_differ: boolean, 
/**
 * Calls the record says were added by hand; they are not the draw's to verify, only listed.
 */
added_by_hand: Array<string>, 
/**
 * Why the draw could not be re-run at all (an unknown rules version, a policy that no longer
 * validates, a population with a repeated complaint number).
 */
rerun_error: UiError | null, };

export type DrawSummary = { 
/**
 * The `sample_drawn` event: its payload is the whole draw.
 */
event_seq: number, 
/**
 * Decimal text: JavaScript loses digits of large integers.
 */
seed: string, drawn_at: string, drawn_by: string, population_fingerprint: string, population_size: number, shortfalls: Array<Shortfall>, };

export type DrawReadiness = { 
/**
 * The vault has accounts, so a draw can be seeded by two people (the app always offers it).
 */
accounts: boolean, 
/**
 * The vault has accounts and is not a demo: a draw must be prepared and witnessed.
 */
joint_required: boolean, preparation: DrawPreparation | null, 
/**
 * Preparations witnessed and then left undrawn (a later one was drawn instead, or none).
 */
abandoned_preparations: number, };

export type DrawPreparation = { 
/**
 * The `draw_prepared` event.
 */
prepared_seq: number, prepared_by: string, prepared_at: string, witnessed_by: string | null, witnessed_at: string | null, 
/**
 * The draw that used it, once drawn.
 */
drawn_seq: number | null, };

export type Assignment = { complaint_number: string, recording_hash: string, department: string, stratum: Stratum, reviewer_id: string, 
/**
 * From the policy; the id when the policy does not name the reviewer.
 */
reviewer_name: string, due_date: string, selected_by: Selection, mandatory: Array<MandatoryKind>, 
/**
 * The coordinator's reason, when the call was added by hand.
 */
added_by_hand: string | null, 
/**
 * How much of the call its reviewer has heard, 0–100.
 */
coverage_percent: number, 
/**
 * The reviewer heard at least [`LISTENED_PERCENT`] of it.
 */
listened: boolean, 
/**
 * Due before today and not listened to.
 */
overdue: boolean, };

export type QuarterSample = { quarter: string, 
/**
 * `None` until the quarter is set up (it counts as planning).
 */
state: QuarterState | null, policy: Policy | null, draw: DrawSummary | null, 
/**
 * Whether the draw needs two people, and how far its preparation has come.
 */
readiness: DrawReadiness, 
/**
 * By due date, then complaint number.
 */
assignments: Array<Assignment>, };

export type ReviewerProgress = { reviewer_id: string, display_name: string, assigned: number, listened: number, 
/**
 * Assigned calls on which they have submitted a reflection.
 */
reflected: number, overdue: number, };

export type DepartmentProgress = { department: string, complaints: number, sampled: number, 
/**
 * Sampled calls their reviewer has listened to.
 */
reviewed: number, };

export type QuarterDashboard = { sample: QuarterSample, reviewers: Array<ReviewerProgress>, departments: Array<DepartmentProgress>, listened_percent: number, };

export type MyAssignments = { quarter: string, person: string, assigned: number, 
/**
 * Listened to (coverage ≥ 90%); reflections come later.
 */
reviewed: number, 
/**
 * The mean coverage over the assigned calls, 0–100.
 */
coverage_percent: number, 
/**
 * By due date.
 */
assignments: Array<Assignment>, };

export type SampleVerification = { quarter: string, matches: boolean, draw_event_seq: number, seed: string, 
/**
 * The draw re-run from the recorded inputs and compared with the assignments table.
 */
verification: Verification, 
/**
 * Rows of the sampling tables that differ from what the log wrote.
 */
table_problems: Array<VerifyProblem>, };

export type AccountState = "active" | "left";

export type Account = { person: Person, state: AccountState, 
/**
 * The fingerprint of the key in force (`SHA256:…`), `None` for a person without one (left, or
 * known only from before accounts).
 */
fingerprint: string | null, 
/**
 * When the key in force was introduced.
 */
key_since: string | null, 
/**
 * The person holds a one-time passphrase and must choose their own at their next sign-in.
 */
must_change: boolean, 
/**
 * Wrong passphrases in a row since the last right one.
 */
failed_attempts: number, };

export type SignInState = { 
/**
 * The vault has accounts: nothing is recorded without signing in.
 */
has_accounts: boolean, 
/**
 * Who is signed in on this handle.
 */
signed_in: Account | null, 
/**
 * Who may sign in: active people with a key.
 */
people: Array<Account>, 
/**
 * The passphrase every demo person signs in with, on a demo vault only.
 */
demo_passphrase: string | null, };

export type SignedBy = { event_seq: number, person_id: string, display_name: string, role: Role | null, at: string, 
/**
 * The fingerprint of the key that signed; `None` for an unsigned event (before accounts).
 */
fingerprint: string | null, 
/**
 * The signature verifies with the key its signer had in force when the event was recorded.
 */
checked: boolean, };

export type ResponseOutcome = { "outcome": "on_time", seconds: number, } | { "outcome": "late", seconds: number, } | { "outcome": "missing" } | { "outcome": "pending" } | { "outcome": "before_start" };

export type HandlingOutcome = { "outcome": "on_time", days_used: number, } | { "outcome": "late", days_late: number, } | { "outcome": "overdue", days_late: number, } | { "outcome": "open", days_left: number, } | { "outcome": "resolved_before_accepted" };

export type ClockFigures = { complaints: number, 
/**
 * Complaints whose response is due (answered, or unanswered past their hour).
 */
response_due: number, response_on_time: number, 
/**
 * Unanswered past their hour (counted in `response_due`, not on time).
 */
response_missing: number, 
/**
 * On time / due, in percent; `None` when nothing is due.
 */
response_rate: number | null, 
/**
 * Decided complaints.
 */
decided: number, decided_on_time: number, 
/**
 * Open past their limit.
 */
overdue: number, 
/**
 * Decided on time / decided, in percent.
 */
handling_rate: number | null, };

export type GroupFigures = { key: string, figures: ClockFigures, };

export type ClockFinding = { complaint_number: string, department: string, accepted_at: string, 
/**
 * The handling limit in force: 15, or 30 / 60 when extended.
 */
limit_days: number, 
/**
 * Its call is in the vault (so the screen can open it).
 */
has_recording: boolean, response: ResponseOutcome, handling: HandlingOutcome, };

export type FindingList = { total: number, 
/**
 * At most the number asked for (all of them when `listed.len() == total`).
 */
listed: Array<ClockFinding>, };

export type UnavailableFigure = { 
/**
 * `response` or `handling`.
 */
figure: string, reason_zh: string, reason_en: string, };

export type HandlingMetrics = { quarter: string, judged_at: string, branch: ClockFigures, 
/**
 * By department, most complaints first.
 */
by_department: Array<GroupFigures>, 
/**
 * By month of acceptance (branch time), in order.
 */
by_month: Array<GroupFigures>, 
/**
 * Answered late, or unanswered past their hour, by complaint number.
 */
late_responses: FindingList, 
/**
 * Decided late, or open past their limit, by complaint number.
 */
late_handling: FindingList, 
/**
 * Open within their limit, the soonest due first (one whose clock is paused last).
 */
open: FindingList, 
/**
 * Times that contradict each other (a response before the clock's start, a decision before
 * acceptance): left out of the rates and listed here.
 */
data_problems: FindingList, 
/**
 * Complaints without a dispatch time (转办时间), whose response clock started at acceptance.
 */
without_dispatch_time: number, 
/**
 * Rates the data cannot give (no response or no decision time in the whole quarter): shown
 * as "—" with the reason, not as 0 %.
 */
unavailable: Array<UnavailableFigure>, };

export type WrittenReport = { path: string, quarter: string, pages: number, bytes: number, 
/**
 * The PDF's BLAKE3, so a printed or mailed copy can be matched with the file.
 */
blake3: string, 
/**
 * The audit log's head the report rests on.
 */
head_seq: number, };

export type PackProgress = { done: number, total: number, file: string, };

export type ExportedPack = { path: string, quarter: string, files: number, bytes: number, manifest_blake3: string, export_event: number, 
/**
 * Who signed the manifest and the checkpoint; `None` in a vault without accounts.
 */
signed_by: string | null, };

export type HandlingExtension = { limit_days: number, approver: string | null, reason: string, extended_by: string, extended_at: string, event_seq: number, };

export type HandlingPause = { from: string, to: string | null, reason: string, event_seq: number, };

export type ComplaintClocks = { complaint_number: string, response: ResponseOutcome, handling: HandlingOutcome, limit_days: number, extension: HandlingExtension | null, pauses: Array<HandlingPause>, };


// The typed edge between the UI and the Rust commands. Every failure arrives as a UiError with a
// stable code; the UI decides on the code, never on message text.
//
// Files and folders are chosen only through the `pick…` commands: Rust shows the native dialog and
// remembers what the person chose, and the commands that read or write a path accept only those
// (anything else is refused with PATH_NOT_CHOSEN). The page itself has no dialog or file access.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  Account,
  Actor,
  CaseAction,
  ColumnMapping,
  ComplaintClocks,
  ComplaintPage,
  ComplaintQuery,
  Draft,
  ExportPreview,
  HandlingMetrics,
  ImportProgress,
  ImportReport,
  ImportRequest,
  LibraryFacets,
  MyAssignments,
  Note,
  PersonalData,
  Person,
  Policy,
  QuarterDashboard,
  SampleVerification,
  PlayerOpened,
  PlayerSettings,
  PlayerUpdate,
  RectificationCase,
  RectificationFilter,
  RectificationRequest,
  RectificationSummary,
  RectificationView,
  Reflection,
  ReviewView,
  SignInState,
  SignedBy,
  UiError,
  VaultStatus,
  WrittenReport,
  ExportedPack,
  PackProgress,
  VerifyReport,
  Waveform,
} from "./bindings";
import type { CommandName } from "./commands";

export function isUiError(value: unknown): value is UiError {
  return (
    typeof value === "object" &&
    value !== null &&
    "code" in value &&
    "message_zh" in value &&
    "message_en" in value
  );
}

export function asUiError(value: unknown): UiError {
  if (isUiError(value)) return value;
  const text = value instanceof Error ? value.message : String(value);
  return { code: "INTERNAL", message_zh: `内部错误：${text}`, message_en: `internal error: ${text}` };
}

// `CommandName` is generated from the Rust list of commands, so a misspelt or removed command fails
// the type check instead of failing when the app runs.
async function call<T>(command: CommandName, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asUiError(error);
  }
}

export const api = {
  vaultStatus: () => call<VaultStatus>("vault_status"),
  verifyVault: () => call<VerifyReport>("verify_vault"),
  /** One page of the library (`limit` rows from `offset`) and how many complaints match in all. */
  complaintPage: (query: ComplaintQuery, offset: number, limit: number) =>
    call<ComplaintPage>("complaint_page", { query, offset, limit }),
  libraryFacets: () => call<LibraryFacets>("library_facets"),
  /** The native file chooser for the complaint export; `null` when the person cancels. */
  pickExport: (title: string) => call<string | null>("pick_export", { title }),
  /** The native folder chooser for the recordings; `null` when the person cancels. */
  pickRecordingsFolder: (title: string) => call<string | null>("pick_recordings_folder", { title }),
  /** The export's first rows; `path` must come from `pickExport`. */
  previewExport: (path: string, mapping: ColumnMapping | null) =>
    call<ExportPreview>("preview_export", { path, mapping }),
  importFiles: (request: ImportRequest, onProgress: (progress: ImportProgress) => void) => {
    const channel = new Channel<ImportProgress>();
    channel.onmessage = onProgress;
    return call<ImportReport>("import_files", { request, onProgress: channel });
  },
  cancelImport: () => call<void>("cancel_import"),
  /** Asks where to save the report's problems (native save dialog) and writes them there as CSV;
   *  the path written, or `null` when the person cancels. */
  saveImportProblems: (title: string, report: ImportReport) =>
    call<string | null>("save_import_problems", { title, report }),
  /** The quarter's report gathered now and typeset in `lang` ("zh" or "en"): the PDF's bytes. */
  previewQuarterReport: async (quarter: string, lang: "zh" | "en") =>
    new Uint8Array(await call<ArrayBuffer>("preview_quarter_report", { quarter, lang })),
  /** Asks where to save the previewed report (native save dialog) and writes it there; what was
   *  written, or `null` when the person cancels. */
  saveQuarterReport: (title: string) => call<WrittenReport | null>("save_quarter_report", { title }),
  /** Asks where to save the quarter's evidence pack, then exports it, reporting progress;
   *  what was written, or `null` when the person cancels. Personal data goes with it, for
   *  `reason` (recorded in the log). */
  exportEvidencePack: (
    title: string,
    quarter: string,
    withAudio: boolean,
    reason: string,
    onProgress: (progress: PackProgress) => void,
  ) => {
    const channel = new Channel<PackProgress>();
    channel.onmessage = onProgress;
    return call<ExportedPack | null>("export_evidence_pack", { title, quarter, withAudio, reason, onProgress: channel });
  },
  openReview: (query: string) => call<ReviewView>("open_review", { query }),
  waveform: (hash: string, startMs: number, endMs: number, width: number) =>
    call<Waveform>("review_waveform", { hash, startMs, endMs, width }),
  addNote: (complaint: string, atMs: number, text: string) => call<Note>("add_note", { complaint, atMs, text }),
  editNote: (noteId: string, atMs: number, text: string) => call<Note>("edit_note", { noteId, atMs, text }),
  /** Saves the reflection draft (not an audit event; submitting is). */
  saveReflectionDraft: (complaint: string, text: string) => call<Draft>("save_reflection_draft", { complaint, text }),
  submitReflection: (complaint: string, text: string) => call<Reflection>("submit_reflection", { complaint, text }),
  /** Shows personal data whole; the reveal is recorded in the audit log. */
  revealPersonalData: (complaint: string, reason: string) =>
    call<PersonalData>("reveal_personal_data", { complaint, reason }),
  requireRectification: (request: RectificationRequest) =>
    call<RectificationCase>("require_rectification", { request }),
  rectificationBoard: (filter: RectificationFilter) =>
    call<RectificationSummary[]>("rectification_board", { filter }),
  rectificationView: (caseId: string) => call<RectificationView>("rectification_view", { caseId }),
  /** A step on a case; the rules in the core decide whether the current person may take it. */
  rectificationStep: (caseId: string, step: CaseAction) =>
    call<RectificationView>("rectification_step", { caseId, step }),
  /** The native file chooser for evidence (several files at once); none when the person cancels. */
  pickEvidenceFiles: (title: string) => call<string[]>("pick_evidence_files", { title }),
  /** A progress entry; each of `files` must come from `pickEvidenceFiles`. */
  logRectificationProgress: (caseId: string, action: number, text: string, files: string[], marksDone: boolean) =>
    call<RectificationView>("log_rectification_progress", { caseId, action, text, files, marksDone }),
  draftRectification: (request: RectificationRequest) =>
    call<RectificationView>("draft_rectification", { request }),
  rectificationActor: () => call<Actor>("rectification_actor"),
  /** Opens a copy of the evidence file with the system's program (after checking its hash). */
  openEvidence: (hash: string) => call<void>("open_evidence", { hash }),
  /** Loads the recording into the player and starts a listening session; updates arrive ≥ 30 times a second. */
  playerOpen: (query: string, onUpdate: (update: PlayerUpdate) => void) => {
    const channel = new Channel<PlayerUpdate>();
    channel.onmessage = onUpdate;
    return call<PlayerOpened>("player_open", { query, onUpdate: channel });
  },
  playerPlay: () => call<void>("player_play"),
  playerPause: () => call<void>("player_pause"),
  playerSeek: (positionMs: number) => call<void>("player_seek", { positionMs }),
  playerSettings: (settings: PlayerSettings) => call<void>("player_settings", { settings }),
  /** Ends the listening session (recording what was heard) and releases the sound device. */
  playerClose: () => call<void>("player_close"),
  samplingPolicy: (quarter: string) => call<Policy | null>("sampling_policy", { quarter }),
  setSamplingPolicy: (quarter: string, policy: Policy) => call<Policy>("set_sampling_policy", { quarter, policy }),
  drawSample: (quarter: string) => call<QuarterDashboard>("draw_sample", { quarter }),
  prepareDraw: (quarter: string) => call<QuarterDashboard>("prepare_draw", { quarter }),
  witnessDraw: (quarter: string) => call<QuarterDashboard>("witness_draw", { quarter }),
  verifySample: (quarter: string) => call<SampleVerification>("verify_sample", { quarter }),
  quarterDashboard: (quarter: string) => call<QuarterDashboard>("quarter_dashboard", { quarter }),
  setQuarterOpen: (quarter: string, open: boolean) => call<QuarterDashboard>("set_quarter_open", { quarter, open }),
  myAssignments: (quarter: string) => call<MyAssignments>("my_assignments", { quarter }),
  /** Who is signed in, who may sign in, and (on a demo vault) the demo passphrase. */
  startAccounts: (person: Person, passphrase: string) => call<SignInState>("start_accounts", { person, passphrase }),
  handlingMetrics: (quarter: string) => call<HandlingMetrics>("handling_metrics", { quarter }),
  complaintClocks: (complaint: string) => call<ComplaintClocks>("complaint_clocks", { complaint }),
  extendHandling: (complaint: string, limitDays: number, approver: string | null, reason: string) =>
    call<ComplaintClocks>("extend_handling", { complaint, limitDays, approver, reason }),
  pauseHandling: (complaint: string, from: string, to: string | null, reason: string) =>
    call<ComplaintClocks>("pause_handling", { complaint, from, to, reason }),
  signInState: () => call<SignInState>("sign_in_state"),
  /** Seconds of no input after which the window signs the person out. */
  lockAfterSeconds: () => call<number>("lock_after_seconds"),
  /** Signs a person in (about half a second of key derivation). */
  signIn: (personId: string, passphrase: string) => call<SignInState>("sign_in", { personId, passphrase }),
  /** Replaces the (one-time) passphrase by a new key under one only the person knows. */
  choosePassphrase: (personId: string, current: string, newPassphrase: string) =>
    call<SignInState>("choose_passphrase", { personId, current, newPassphrase }),
  signOut: () => call<SignInState>("sign_out"),
  accounts: () => call<Account[]>("accounts"),
  /** Enrolls a person; the result is the one-time passphrase to hand over (shown once). */
  enrollPerson: (person: Person) => call<string>("enroll_person", { person }),
  /** Resets a forgotten passphrase; the result is the new one-time passphrase. */
  resetPassphrase: (personId: string) => call<string>("reset_passphrase", { personId }),
  markLeft: (personId: string) => call<void>("mark_left", { personId }),
  setPerson: (person: Person) => call<Person>("set_person", { person }),
  /** The "signed by" lines of the events at `seqs`, each signature checked. */
  signedBy: (seqs: number[]) => call<SignedBy[]>("signed_by", { seqs }),
};

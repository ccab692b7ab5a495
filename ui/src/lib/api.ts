// The typed edge between the UI and the Rust commands. Every failure arrives as a UiError with a
// stable code; the UI decides on the code, never on message text.
import { Channel, invoke } from "@tauri-apps/api/core";
import { open, save } from "@tauri-apps/plugin-dialog";
import type {
  ColumnMapping,
  ComplaintQuery,
  ComplaintRow,
  ExportPreview,
  ImportProgress,
  ImportReport,
  ImportRequest,
  LibraryFacets,
  MyAssignments,
  Policy,
  QuarterDashboard,
  SampleVerification,
  PlayerOpened,
  PlayerSettings,
  PlayerUpdate,
  ReviewView,
  UiError,
  VaultStatus,
  VerifyReport,
  Waveform,
} from "./bindings";

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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asUiError(error);
  }
}

export const api = {
  vaultStatus: () => call<VaultStatus>("vault_status"),
  verifyVault: () => call<VerifyReport>("verify_vault"),
  listComplaints: (query: ComplaintQuery) => call<ComplaintRow[]>("list_complaints", { query }),
  libraryFacets: () => call<LibraryFacets>("library_facets"),
  previewExport: (path: string, mapping: ColumnMapping | null) =>
    call<ExportPreview>("preview_export", { path, mapping }),
  importFiles: (request: ImportRequest, onProgress: (progress: ImportProgress) => void) => {
    const channel = new Channel<ImportProgress>();
    channel.onmessage = onProgress;
    return call<ImportReport>("import_files", { request, onProgress: channel });
  },
  cancelImport: () => call<void>("cancel_import"),
  saveImportProblems: (path: string, report: ImportReport) => call<void>("save_import_problems", { path, report }),
  openReview: (query: string) => call<ReviewView>("open_review", { query }),
  waveform: (hash: string, startMs: number, endMs: number, width: number) =>
    call<Waveform>("review_waveform", { hash, startMs, endMs, width }),
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
  verifySample: (quarter: string) => call<SampleVerification>("verify_sample", { quarter }),
  quarterDashboard: (quarter: string) => call<QuarterDashboard>("quarter_dashboard", { quarter }),
  setQuarterOpen: (quarter: string, open: boolean) => call<QuarterDashboard>("set_quarter_open", { quarter, open }),
  myAssignments: (quarter: string) => call<MyAssignments>("my_assignments", { quarter }),
};

/** The native file picker; `null` when the person cancels. */
export async function pickFile(title: string, extensions: string[]): Promise<string | null> {
  const chosen = await open({ title, multiple: false, directory: false, filters: [{ name: title, extensions }] });
  return typeof chosen === "string" ? chosen : null;
}

export async function pickFolder(title: string): Promise<string | null> {
  const chosen = await open({ title, multiple: false, directory: true });
  return typeof chosen === "string" ? chosen : null;
}

export async function pickSaveFile(title: string, defaultPath: string): Promise<string | null> {
  return save({ title, defaultPath, filters: [{ name: "CSV", extensions: ["csv"] }] });
}

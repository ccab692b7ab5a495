// The typed edge between the UI and the Rust commands. Every failure arrives as a UiError with a
// stable code; the UI decides on the code, never on message text.
import { invoke } from "@tauri-apps/api/core";
import type { UiError, VaultStatus, VerifyReport } from "./bindings";

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

async function call<T>(command: string): Promise<T> {
  try {
    return await invoke<T>(command);
  } catch (error) {
    throw asUiError(error);
  }
}

export const api = {
  vaultStatus: () => call<VaultStatus>("vault_status"),
  verifyVault: () => call<VerifyReport>("verify_vault"),
};

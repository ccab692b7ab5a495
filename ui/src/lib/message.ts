// The Rust side words every error and finding in both languages; the screen shows the one the
// person chose. The UI decides on codes, never on this text (see api.ts).
import type { Locale } from "./i18n";
import { ui } from "./locale.svelte";

/** Anything worded in both languages: a UiError, a verify finding, a sampling shortfall. */
export interface Bilingual {
  message_zh: string;
  message_en: string;
}

/** The wording for one language. */
export function messageIn(locale: Locale, text: Bilingual): string {
  return locale === "zh-CN" ? text.message_zh : text.message_en;
}

/** The wording in the current language; a template that shows it follows a language switch. */
export function message(text: Bilingual): string {
  return messageIn(ui.locale, text);
}

// The UI language, remembered between runs. Chinese unless the person chose English.
import { LOCALES, translate, type Locale, type MessageKey } from "./i18n";

const STORAGE_KEY = "tingjian.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // Storage can be unavailable; Chinese is the right default anyway.
  }
  return "zh-CN";
}

export const ui = $state<{ locale: Locale }>({ locale: initialLocale() });

export function setLocale(locale: Locale): void {
  ui.locale = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembering the choice is acceptable; losing the switch is not.
  }
}

export function toggleLocale(): void {
  setLocale(ui.locale === "zh-CN" ? "en" : "zh-CN");
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return translate(ui.locale, key, params);
}

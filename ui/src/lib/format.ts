// Formatting of instants and hashes for display. Instants are stored in UTC and always shown in
// the branch's zone, whatever the machine's own zone is.
import type { Locale } from "./i18n";

export const BRANCH_ZONE = "Asia/Shanghai";

// Building an Intl.DateTimeFormat costs far more than using one (the library formats dozens of
// rows a frame while scrolling), so each kind is built once.
const formatters = new Map<string, Intl.DateTimeFormat>();

function instantFormat(locale: Locale, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${withSeconds}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === "zh-CN" ? "zh-CN" : "en-GB", {
      timeZone: BRANCH_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: withSeconds ? "2-digit" : undefined,
      hourCycle: "h23",
    });
    formatters.set(key, format);
  }
  return format;
}

/** An RFC 3339 instant as the branch reads it, e.g. "2026-11-29 14:03". */
export function formatInstant(iso: string | null | undefined, locale: Locale, withSeconds = false): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = instantFormat(locale, withSeconds).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const time = `${get("hour")}:${get("minute")}${withSeconds ? `:${get("second")}` : ""}`;
  return `${get("year")}-${get("month")}-${get("day")} ${time}`;
}

/** The first characters of a hash, enough to recognise it. */
export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return "—";
  return hash.length > length ? `${hash.slice(0, length)}…` : hash;
}

/** A count with grouping the way each language writes it. */
export function formatCount(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** A duration in milliseconds as the length of a call: "1:05", "12:00", "1:02:03". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

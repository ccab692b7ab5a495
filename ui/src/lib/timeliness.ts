// How the 处理时效 screen colours a rate and lays out its month line. The thresholds are the
// screen's, not the regulator's: the branch publishes its timely-response rate (99.19% is a typical
// figure), so below 99% is worth a look and below 95% is a problem; handling on time below 95% and
// 90% likewise.
import type { HandlingOutcome, ResponseOutcome } from "./bindings";

export type Clock = "response" | "handling";
export type Band = "good" | "fair" | "poor" | "none";

const THRESHOLDS: Record<Clock, { good: number; fair: number }> = {
  response: { good: 99, fair: 95 },
  handling: { good: 95, fair: 90 },
};

export function band(rate: number | null | undefined, clock: Clock): Band {
  if (rate === null || rate === undefined) return "none";
  const { good, fair } = THRESHOLDS[clock];
  if (rate >= good) return "good";
  return rate >= fair ? "fair" : "poor";
}

/** A rate as the screen writes it: two decimals, or a dash when nothing counts. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${rate.toFixed(2)}%`;
}

/** The y range of the month line: from a round ten below the lowest rate to 100. */
export function yRange(rates: (number | null)[]): [number, number] {
  const shown = rates.filter((r): r is number => r !== null);
  if (shown.length === 0) return [0, 100];
  const low = Math.min(...shown);
  return [Math.max(0, Math.floor((low - 5) / 10) * 10), 100];
}

/** Points of a polyline through the rates, in a box `width` × `height` (gaps skipped). */
export function linePoints(rates: (number | null)[], width: number, height: number, range: [number, number]): string {
  const [lo, hi] = range;
  const step = rates.length > 1 ? width / (rates.length - 1) : 0;
  return rates
    .map((rate, i) => (rate === null ? null : `${(rates.length > 1 ? i * step : width / 2).toFixed(1)},${(height - ((rate - lo) / (hi - lo)) * height).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(" ");
}

/** Minutes and seconds of a response, for the lists. */
export function responseMinutes(outcome: ResponseOutcome): number | null {
  return outcome.outcome === "on_time" || outcome.outcome === "late" ? Math.floor(outcome.seconds / 60) : null;
}

/** Days late (decided late or overdue) or left (open), for the lists. */
export function handlingDays(outcome: HandlingOutcome): number | null {
  switch (outcome.outcome) {
    case "late":
    case "overdue":
      return outcome.days_late;
    case "open":
      return outcome.days_left;
    case "on_time":
      return outcome.days_used;
    default:
      return null;
  }
}

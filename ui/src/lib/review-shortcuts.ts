// The review screen's keys: which key does what. The screen decides when keys count (not while
// typing, not under a dialog); this table is the one place that says what each key means, and the
// help dialog lists the same keys.
import type { ChannelMode } from "./bindings";

/** The playback speeds offered, slowest first; `[` and `]` step through them. */
export const SPEEDS = [0.75, 1, 1.25, 1.5, 2];

export type ReviewShortcut =
  | { kind: "play-pause" }
  | { kind: "seek"; byMs: number }
  | { kind: "speed"; step: -1 | 1 }
  | { kind: "channel"; mode: ChannelMode }
  | { kind: "skip-silence" }
  | { kind: "note" }
  | { kind: "help" }
  | { kind: "zoom"; factor: number }
  | { kind: "back" };

/** What a key press asks for on the review screen, or null for a key it leaves alone. */
export function shortcutFor(key: string, shiftKey: boolean): ReviewShortcut | null {
  // Shift makes the arrows fine-grained: one second instead of five.
  const step = shiftKey ? 1000 : 5000;
  switch (key) {
    case " ":
      return { kind: "play-pause" };
    case "ArrowLeft":
      return { kind: "seek", byMs: -step };
    case "ArrowRight":
      return { kind: "seek", byMs: step };
    case "[":
      return { kind: "speed", step: -1 };
    case "]":
      return { kind: "speed", step: 1 };
    case "1":
      return { kind: "channel", mode: "both" };
    case "2":
      return { kind: "channel", mode: "agent" };
    case "3":
      return { kind: "channel", mode: "customer" };
    case "s":
    case "S":
      return { kind: "skip-silence" };
    case "n":
    case "N":
      return { kind: "note" };
    case "?":
      return { kind: "help" };
    case "+":
    case "=":
      return { kind: "zoom", factor: 0.5 };
    case "-":
      return { kind: "zoom", factor: 2 };
    case "Escape":
      return { kind: "back" };
    default:
      return null;
  }
}

/** The next speed slower (`step` -1) or faster (+1), staying at the ends of the list. */
export function steppedSpeed(speed: number, step: -1 | 1): number {
  const index = SPEEDS.indexOf(speed);
  return step < 0 ? SPEEDS[Math.max(0, index - 1)] : SPEEDS[Math.min(SPEEDS.length - 1, index + 1)];
}

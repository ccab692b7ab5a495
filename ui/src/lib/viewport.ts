// The stretch of a call the review waveform shows, and the maths of moving it: zoom, pan, keeping
// a moment in view, and converting between times and horizontal positions. Pure functions over
// plain values, so the screen only decides when to move and the rules can be tested alone.

/** The visible stretch of the call, in milliseconds from its start. */
export interface Viewport {
  start: number;
  end: number;
}

/** Zooming in stops at two seconds across; narrower shows nothing a reviewer can read. */
export const MIN_SPAN_MS = 2000;

/** The whole call, which is what the screen shows until the reviewer zooms. */
export function wholeCall(durationMs: number): Viewport {
  return { start: 0, end: durationMs };
}

export function spanOf(view: Viewport): number {
  return view.end - view.start;
}

/** Whether a moment is on screen; both edges count as visible. */
export function isVisible(view: Viewport, ms: number): boolean {
  return ms >= view.start && ms <= view.end;
}

/**
 * A view `span` wide starting near `start`, moved so it stays inside the call. A span wider than
 * the call starts at 0 (and reaches past the end) rather than before the call's start.
 */
export function placed(start: number, span: number, durationMs: number): Viewport {
  const from = Math.max(0, Math.min(start, durationMs - span));
  return { start: from, end: from + span };
}

/** The span after zooming by `factor` (< 1 zooms in), between two seconds and the whole call. */
export function zoomedSpan(span: number, factor: number, durationMs: number): number {
  return Math.max(MIN_SPAN_MS, Math.min(durationMs, span * factor));
}

/**
 * The view with `ms` in it: unchanged (the same object) when the moment is already visible,
 * otherwise the same span centred on it. Used when a note or a "listen here" link opens a moment.
 */
export function showing(view: Viewport, ms: number, durationMs: number): Viewport {
  if (isVisible(view, ms)) return view;
  const span = spanOf(view);
  return placed(ms - span / 2, span, durationMs);
}

/**
 * The view that keeps a playing playhead in sight: unchanged (the same object) while it is
 * visible; once it runs off, the view turns the page so the playhead is a tenth of the way in,
 * leaving most of the screen for what is about to be heard.
 */
export function following(view: Viewport, playheadMs: number, durationMs: number): Viewport {
  if (isVisible(view, playheadMs)) return view;
  const span = spanOf(view);
  return placed(playheadMs - span * 0.1, span, durationMs);
}

/**
 * Zooming from the keyboard or the zoom buttons: around the playhead when it is on screen (that is
 * what the reviewer is listening to), otherwise around the middle of the view.
 */
export function zoomedAtPlayhead(view: Viewport, factor: number, playheadMs: number, durationMs: number): Viewport {
  const span = zoomedSpan(spanOf(view), factor, durationMs);
  const centre = isVisible(view, playheadMs) ? playheadMs : (view.start + view.end) / 2;
  return placed(centre - span / 2, span, durationMs);
}

/** Zooming with Ctrl and the wheel: the moment under the pointer stays under the pointer. */
export function zoomedAround(view: Viewport, anchorMs: number, factor: number, durationMs: number): Viewport {
  const span = spanOf(view);
  const next = zoomedSpan(span, factor, durationMs);
  const ratio = (anchorMs - view.start) / Math.max(1, span);
  return placed(anchorMs - ratio * next, next, durationMs);
}

/** Whether there is anything to scroll to: only a zoomed view can pan. */
export function canPan(view: Viewport, durationMs: number): boolean {
  return spanOf(view) < durationMs;
}

/** The view scrolled a tenth of its width towards the end (`direction` > 0) or the start (< 0). */
export function panned(view: Viewport, direction: number, durationMs: number): Viewport {
  const span = spanOf(view);
  return placed(view.start + (Math.sign(direction) * span) / 10, span, durationMs);
}

/** Where a moment is drawn, in pixels from the left of a `width` wide waveform; may be off screen. */
export function xOf(view: Viewport, ms: number, width: number): number {
  return ((ms - view.start) / Math.max(1, spanOf(view))) * width;
}

/** The moment under a point `x` pixels into a `width` wide waveform, held to the visible span. */
export function msAt(view: Viewport, x: number, width: number): number {
  const ratio = Math.max(0, Math.min(1, x / width));
  return view.start + ratio * spanOf(view);
}

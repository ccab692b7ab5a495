import { describe, expect, it } from "vitest";
import {
  canPan,
  following,
  isVisible,
  msAt,
  panned,
  placed,
  showing,
  spanOf,
  wholeCall,
  xOf,
  zoomedAround,
  zoomedAtPlayhead,
  zoomedSpan,
} from "./viewport";

// A two-minute call, the length of a typical complaint call in the demo.
const CALL = 120_000;

describe("placed", () => {
  it("keeps the span and stays inside the call", () => {
    expect(placed(10_000, 20_000, CALL)).toEqual({ start: 10_000, end: 30_000 });
    expect(placed(-5_000, 20_000, CALL)).toEqual({ start: 0, end: 20_000 });
    expect(placed(110_000, 20_000, CALL)).toEqual({ start: 100_000, end: 120_000 });
  });
  it("starts a span wider than the call at the call's start", () => {
    expect(placed(500, 2_000, 1_500)).toEqual({ start: 0, end: 2_000 });
  });
});

describe("zoomedSpan", () => {
  it("zooms between two seconds and the whole call", () => {
    expect(zoomedSpan(40_000, 0.5, CALL)).toBe(20_000);
    expect(zoomedSpan(3_000, 0.5, CALL)).toBe(2_000);
    expect(zoomedSpan(80_000, 2, CALL)).toBe(CALL);
  });
});

describe("isVisible", () => {
  it("counts both edges as visible", () => {
    const view = { start: 10_000, end: 20_000 };
    expect(isVisible(view, 10_000)).toBe(true);
    expect(isVisible(view, 20_000)).toBe(true);
    expect(isVisible(view, 9_999)).toBe(false);
    expect(isVisible(view, 20_001)).toBe(false);
  });
});

describe("showing", () => {
  it("leaves the view alone when the moment is already on screen", () => {
    const view = { start: 10_000, end: 30_000 };
    expect(showing(view, 15_000, CALL)).toBe(view);
  });
  it("centres a hidden moment, keeping the zoom", () => {
    expect(showing({ start: 0, end: 20_000 }, 60_000, CALL)).toEqual({ start: 50_000, end: 70_000 });
  });
  it("stops at the end of the call", () => {
    expect(showing({ start: 0, end: 20_000 }, 115_000, CALL)).toEqual({ start: 100_000, end: 120_000 });
  });
});

describe("following", () => {
  it("leaves the view alone while the playhead is on screen", () => {
    const view = { start: 0, end: 20_000 };
    expect(following(view, 20_000, CALL)).toBe(view);
  });
  it("turns the page so the playhead is a tenth of the way in", () => {
    expect(following({ start: 0, end: 20_000 }, 20_500, CALL)).toEqual({ start: 18_500, end: 38_500 });
  });
});

describe("zoomedAtPlayhead", () => {
  it("zooms around the playhead when it is on screen", () => {
    expect(zoomedAtPlayhead(wholeCall(CALL), 0.5, 30_000, CALL)).toEqual({ start: 0, end: 60_000 });
    expect(zoomedAtPlayhead({ start: 0, end: 60_000 }, 0.5, 40_000, CALL)).toEqual({ start: 25_000, end: 55_000 });
  });
  it("zooms around the middle when the playhead is off screen", () => {
    expect(zoomedAtPlayhead({ start: 40_000, end: 80_000 }, 0.5, 5_000, CALL)).toEqual({ start: 50_000, end: 70_000 });
  });
  it("zooms out no further than the whole call", () => {
    expect(zoomedAtPlayhead({ start: 50_000, end: 70_000 }, 8, 60_000, CALL)).toEqual(wholeCall(CALL));
  });
});

describe("zoomedAround", () => {
  it("keeps the moment under the pointer where it was", () => {
    const view = { start: 20_000, end: 60_000 };
    const anchor = 30_000; // a quarter of the way across
    const next = zoomedAround(view, anchor, 0.5, CALL);
    expect(spanOf(next)).toBe(20_000);
    expect(xOf(next, anchor, 800)).toBeCloseTo(xOf(view, anchor, 800));
  });
});

describe("panned", () => {
  it("scrolls a tenth of the view either way, within the call", () => {
    const view = { start: 20_000, end: 40_000 };
    expect(panned(view, 120, CALL)).toEqual({ start: 22_000, end: 42_000 });
    expect(panned(view, -3, CALL)).toEqual({ start: 18_000, end: 38_000 });
    expect(panned({ start: 0, end: 20_000 }, -1, CALL)).toEqual({ start: 0, end: 20_000 });
  });
  it("has nothing to scroll when the whole call is shown", () => {
    expect(canPan(wholeCall(CALL), CALL)).toBe(false);
    expect(canPan({ start: 0, end: 60_000 }, CALL)).toBe(true);
  });
});

describe("xOf and msAt", () => {
  const view = { start: 60_000, end: 90_000 };
  it("convert between moments and pixels both ways", () => {
    expect(xOf(view, 75_000, 900)).toBe(450);
    expect(msAt(view, 450, 900)).toBe(75_000);
    expect(xOf(view, 30_000, 900)).toBe(-900);
  });
  it("holds a pointer outside the waveform to its edges", () => {
    expect(msAt(view, -40, 900)).toBe(60_000);
    expect(msAt(view, 1_000, 900)).toBe(90_000);
  });
  it("draws an empty call without dividing by zero", () => {
    expect(xOf(wholeCall(0), 0, 900)).toBe(0);
  });
});

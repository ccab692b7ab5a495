import { describe, expect, it } from "vitest";
import { SPEEDS, shortcutFor, steppedSpeed } from "./review-shortcuts";

describe("shortcutFor", () => {
  it("maps every key the help dialog lists", () => {
    expect(shortcutFor(" ", false)).toEqual({ kind: "play-pause" });
    expect(shortcutFor("ArrowLeft", false)).toEqual({ kind: "seek", byMs: -5000 });
    expect(shortcutFor("ArrowRight", false)).toEqual({ kind: "seek", byMs: 5000 });
    expect(shortcutFor("ArrowLeft", true)).toEqual({ kind: "seek", byMs: -1000 });
    expect(shortcutFor("ArrowRight", true)).toEqual({ kind: "seek", byMs: 1000 });
    expect(shortcutFor("[", false)).toEqual({ kind: "speed", step: -1 });
    expect(shortcutFor("]", false)).toEqual({ kind: "speed", step: 1 });
    expect(shortcutFor("1", false)).toEqual({ kind: "channel", mode: "both" });
    expect(shortcutFor("2", false)).toEqual({ kind: "channel", mode: "agent" });
    expect(shortcutFor("3", false)).toEqual({ kind: "channel", mode: "customer" });
    expect(shortcutFor("?", true)).toEqual({ kind: "help" });
    expect(shortcutFor("-", false)).toEqual({ kind: "zoom", factor: 2 });
    expect(shortcutFor("Escape", false)).toEqual({ kind: "back" });
  });
  it("takes letters in either case and + with or without Shift", () => {
    for (const key of ["s", "S"]) expect(shortcutFor(key, key === "S")).toEqual({ kind: "skip-silence" });
    for (const key of ["n", "N"]) expect(shortcutFor(key, key === "N")).toEqual({ kind: "note" });
    for (const key of ["+", "="]) expect(shortcutFor(key, key === "+")).toEqual({ kind: "zoom", factor: 0.5 });
  });
  it("leaves other keys to the page", () => {
    expect(shortcutFor("Tab", false)).toBeNull();
    expect(shortcutFor("Enter", false)).toBeNull();
    expect(shortcutFor("x", false)).toBeNull();
  });
});

describe("steppedSpeed", () => {
  it("steps through the offered speeds and stops at the ends", () => {
    expect(steppedSpeed(1, 1)).toBe(1.25);
    expect(steppedSpeed(1, -1)).toBe(0.75);
    expect(steppedSpeed(SPEEDS[0], -1)).toBe(SPEEDS[0]);
    expect(steppedSpeed(SPEEDS[SPEEDS.length - 1], 1)).toBe(SPEEDS[SPEEDS.length - 1]);
  });
});

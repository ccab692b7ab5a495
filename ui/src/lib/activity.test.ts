import { describe, expect, it } from "vitest";
import { activity, idleFor, noteInput } from "./activity.svelte";

describe("the lock after idle", () => {
  it("counts time since the last input", () => {
    noteInput();
    const now = activity.lastInput;
    expect(idleFor(600, now + 599_000)).toBe(false);
    expect(idleFor(600, now + 601_000)).toBe(true);
  });

  it("never locks while a recording plays", () => {
    noteInput();
    activity.playing = true;
    expect(idleFor(600, activity.lastInput + 3_600_000)).toBe(false);
    activity.playing = false;
    expect(idleFor(600, activity.lastInput + 3_600_000)).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DRAFT_SAVE_AFTER_MS, DraftAutosave, type DraftState } from "./draft-autosave";

/** A draft editor over a fake vault that answers each write when the test says so. */
function editor() {
  let text = "";
  const states: [DraftState, string | undefined][] = [];
  const failures: unknown[] = [];
  const written: string[] = [];
  const answers: { resolve: (savedAt: string) => void; reject: (error: unknown) => void }[] = [];
  const autosave = new DraftAutosave({
    write: (draft) => {
      written.push(draft);
      return new Promise((resolve, reject) => {
        answers.push({ resolve: (saved_at) => resolve({ saved_at }), reject });
      });
    },
    current: () => text,
    onstate: (state, savedAt) => states.push([state, savedAt]),
    onfailure: (error) => failures.push(error),
  });
  return {
    autosave,
    states,
    failures,
    written,
    answers,
    type(more: string) {
      text += more;
      autosave.typed();
    },
  };
}

// Lets the chain of writes run up to the next unanswered write.
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("DraftAutosave", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("says it is saving at once and writes once typing pauses", async () => {
    const e = editor();
    e.type("一、");
    expect(e.states).toEqual([["saving", undefined]]);
    expect(e.autosave.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_AFTER_MS - 1);
    e.type("坐席");
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_AFTER_MS - 1);
    expect(e.written).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(e.written).toEqual(["一、坐席"]);
    expect(e.autosave.pending).toBe(false);
    e.answers[0].resolve("2026-11-29T06:03:00Z");
    await settle();
    expect(e.states.at(-1)).toEqual(["saved", "2026-11-29T06:03:00Z"]);
  });

  it("writes at once when flushed, without waiting for the pause", async () => {
    const e = editor();
    e.type("草稿");
    const done = e.autosave.flush();
    await settle();
    expect(e.written).toEqual(["草稿"]);
    e.answers[0].resolve("2026-11-29T06:03:00Z");
    await done;
    expect(e.states.at(-1)).toEqual(["saved", "2026-11-29T06:03:00Z"]);
    // The pause that was waiting has been used up: nothing is written twice.
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_AFTER_MS * 2);
    expect(e.written).toEqual(["草稿"]);
  });

  it("writes one after another and calls only the newest text saved", async () => {
    const e = editor();
    e.type("一");
    void e.autosave.flush();
    e.type("二");
    void e.autosave.flush();
    await settle();
    // The second write waits for the first to be answered.
    expect(e.written).toEqual(["一"]);
    e.answers[0].resolve("2026-11-29T06:03:00Z");
    await settle();
    expect(e.written).toEqual(["一", "一二"]);
    expect(e.states.filter(([state]) => state === "saved")).toEqual([]);
    e.answers[1].resolve("2026-11-29T06:03:01Z");
    await settle();
    expect(e.states.at(-1)).toEqual(["saved", "2026-11-29T06:03:01Z"]);
  });

  it("reports a failed write and keeps writing later ones", async () => {
    const e = editor();
    e.type("一");
    void e.autosave.flush();
    await settle();
    const refused = { code: "VAULT_READ_ONLY" };
    e.answers[0].reject(refused);
    await settle();
    expect(e.states.at(-1)).toEqual(["failed", undefined]);
    expect(e.failures).toEqual([refused]);
    e.type("二");
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_AFTER_MS);
    e.answers[1].resolve("2026-11-29T06:04:00Z");
    await settle();
    expect(e.states.at(-1)).toEqual(["saved", "2026-11-29T06:04:00Z"]);
  });
});

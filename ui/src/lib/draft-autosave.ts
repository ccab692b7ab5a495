// When the reflection draft is written. The draft is written a moment after typing stops, and at
// once when the editor loses focus, so at most the last keystrokes of a crash are lost. Writes go
// one after another, so an older text never lands after a newer one. Kept apart from the screen
// (plain callbacks, the platform's timers) so the timing can be tested with fake timers.

/** What the line under the editor says: nothing yet, saving, saved at a time, or not saved. */
export type DraftState = "idle" | "saving" | "saved" | "failed";

/** Typing pauses this long before the draft is written. */
export const DRAFT_SAVE_AFTER_MS = 400;

export interface DraftAutosaveOptions {
  /** Writes `text` as the draft; answers with when the vault saved it. */
  write: (text: string) => Promise<{ saved_at: string }>;
  /** The text in the editor now. */
  current: () => string;
  /** The draft's state changed; `savedAt` comes with "saved". */
  onstate: (state: DraftState, savedAt?: string) => void;
  /** A write failed; the screen shows why. */
  onfailure: (error: unknown) => void;
  delayMs?: number;
}

export class DraftAutosave {
  #options: DraftAutosaveOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: DraftAutosaveOptions) {
    this.#options = options;
  }

  /** A write is waiting for typing to pause; leaving the screen must not drop it. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /** The text changed: say so at once, write once typing pauses. */
  typed(): void {
    this.#options.onstate("saving");
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#options.delayMs ?? DRAFT_SAVE_AFTER_MS);
  }

  /**
   * Writes the text now (after any write still under way) and resolves when it is written. Only
   * an answer for the text still in the editor marks the draft saved: a reply for older text
   * while the person types on would claim too much.
   */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const { write, current, onstate, onfailure } = this.#options;
    const text = current();
    this.#writes = this.#writes.then(async () => {
      try {
        const draft = await write(text);
        if (text === current()) onstate("saved", draft.saved_at);
      } catch (error) {
        onstate("failed");
        onfailure(error);
      }
    });
    return this.#writes;
  }
}

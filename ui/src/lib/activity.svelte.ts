// What counts as the person being at their desk, for the lock after idle: input, and listening.
// A reviewer hearing a long call without touching anything is working, so the window does not
// sign them out while a recording plays.

export const activity = $state({ lastInput: Date.now(), playing: false });

/** Input happened now (a key, a click, the wheel). */
export function noteInput(): void {
  activity.lastInput = Date.now();
}

/** Whether the person has been away for longer than `seconds`. */
export function idleFor(seconds: number, now = Date.now()): boolean {
  return !activity.playing && now - activity.lastInput > seconds * 1000;
}

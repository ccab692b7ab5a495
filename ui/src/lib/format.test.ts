import { describe, expect, it } from "vitest";
import { formatDuration, formatInstant, shortHash } from "./format";
import { errorAdvice, quarterStateLabel, translate } from "./i18n";

describe("formatInstant", () => {
  it("shows instants in Shanghai time, not UTC", () => {
    // 17:30 UTC on 30 September is already 01:30 on 1 October in Shanghai.
    expect(formatInstant("2026-09-30T17:30:00Z", "zh-CN")).toBe("2026-10-01 01:30");
    expect(formatInstant("2026-09-30T17:30:05.123456Z", "en", true)).toBe("2026-10-01 01:30:05");
  });
  it("says so when there is no time", () => {
    expect(formatInstant(null, "zh-CN")).toBe("—");
  });
});

describe("shortHash", () => {
  it("keeps the start of a hash", () => {
    expect(shortHash("0123456789abcdef0123", 8)).toBe("01234567…");
    expect(shortHash(null)).toBe("—");
  });
});

describe("translate", () => {
  it("fills placeholders in both languages", () => {
    expect(translate("zh-CN", "chain.event", { seq: 7 })).toBe("事件 #7");
    expect(translate("en", "home.quarter.range", { start: "2026-10-01", end: "2026-12-31" })).toBe(
      "2026-10-01 to 2026-12-31",
    );
  });
  it("labels quarter states and advises on error codes in both languages", () => {
    expect(quarterStateLabel("zh-CN", "open")).toBe("进行中");
    expect(quarterStateLabel("en", null)).toBe("not set up");
    expect(errorAdvice("zh-CN", "VAULT_SCHEMA_TOO_NEW")).toContain("升级");
    expect(errorAdvice("en", "VAULT_READ_ONLY")).toContain("writable");
  });
});


describe("formatDuration", () => {
  it("writes call lengths the way a player does", () => {
    expect(formatDuration(65_400)).toBe("1:05");
    expect(formatDuration(720_000)).toBe("12:00");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("—");
  });
});

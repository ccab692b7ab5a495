import { describe, expect, it } from "vitest";
import { band, handlingDays, linePoints, percent, responseMinutes, yRange } from "./timeliness";

describe("the timeliness screen's figures", () => {
  it("colours a rate by its clock's thresholds", () => {
    expect(band(99.19, "response")).toBe("good");
    expect(band(98.99, "response")).toBe("fair");
    expect(band(94.9, "response")).toBe("poor");
    expect(band(95, "handling")).toBe("good");
    expect(band(89.9, "handling")).toBe("poor");
    expect(band(null, "handling")).toBe("none");
  });

  it("writes rates with two decimals and a dash when nothing counts", () => {
    expect(percent(99.1935)).toBe("99.19%");
    expect(percent(null)).toBe("—");
  });

  it("draws the month line from a round ten below the lowest rate", () => {
    expect(yRange([92.3, null, 100])).toEqual([80, 100]);
    expect(yRange([null])).toEqual([0, 100]);
    expect(linePoints([80, 100], 100, 50, [80, 100])).toBe("0.0,50.0 100.0,0.0");
    expect(linePoints([90, null, 100], 100, 50, [80, 100])).toBe("0.0,25.0 100.0,0.0");
  });

  it("reads minutes and days from the outcomes", () => {
    expect(responseMinutes({ outcome: "late", seconds: 3601 })).toBe(60);
    expect(responseMinutes({ outcome: "missing" })).toBeNull();
    expect(handlingDays({ outcome: "overdue", days_late: 14 })).toBe(14);
    expect(handlingDays({ outcome: "open", days_left: 3 })).toBe(3);
  });
});

import { describe, expect, it } from "vitest";
import { translate, type MessageKey } from "./i18n";
import { SEVERITIES, roleLabel, severityLabel } from "./rectification";

const zh = (key: MessageKey, params?: Record<string, string | number>) => translate("zh-CN", key, params);

describe("severities", () => {
  it("are the core's, least to most serious", () => {
    expect(SEVERITIES).toEqual(["normal", "serious", "critical"]);
  });
  it("each has a label", () => {
    expect(SEVERITIES.map((severity) => severityLabel(zh, severity))).toEqual(["一般", "较重", "严重"]);
  });
});

describe("roleLabel", () => {
  it("names a department head by the department", () => {
    expect(roleLabel(zh, { id: "chen", role: "department_head", department: "信用卡中心" })).toBe("信用卡中心负责人");
  });
  it("names an old demo vault's owner as the department head it acts as", () => {
    expect(roleLabel(zh, { id: "zhang", role: "owner", department: "零售金融部" })).toBe("零售金融部负责人");
  });
});

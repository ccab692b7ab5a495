import { afterEach, describe, expect, it } from "vitest";
import type { UiError } from "./bindings";
import { message, messageIn } from "./message";
import { ui } from "./locale.svelte";

const refused: UiError = { code: "INVALID_INPUT", message_zh: "缺少日期", message_en: "the date is missing" };

describe("messageIn", () => {
  it("picks the wording of the language asked for", () => {
    expect(messageIn("zh-CN", refused)).toBe("缺少日期");
    expect(messageIn("en", refused)).toBe("the date is missing");
  });
});

describe("message", () => {
  const before = ui.locale;
  afterEach(() => {
    ui.locale = before;
  });

  it("follows the language the person chose", () => {
    ui.locale = "zh-CN";
    expect(message(refused)).toBe("缺少日期");
    ui.locale = "en";
    expect(message(refused)).toBe("the date is missing");
  });

  it("words findings that are not errors the same way", () => {
    ui.locale = "en";
    expect(message({ message_zh: "少抽 2 通", message_en: "2 calls short" })).toBe("2 calls short");
  });
});

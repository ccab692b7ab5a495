// UI text in Chinese (the first language) and English. Keys are checked by TypeScript: a key
// missing in either language is a compile error.
import type { ErrorCode, QuarterState } from "./bindings";

export type Locale = "zh-CN" | "en";
export const LOCALES: readonly Locale[] = ["zh-CN", "en"];

const zh = {
  "app.name": "听见",
  "app.tagline": "投诉录音季度复盘",
  "lang.switch": "English",
  "lang.switch.hint": "切换到英文（快捷键 L）",
  "home.quarter": "本季度",
  "home.quarter.range": "{start} 至 {end}",
  "home.quarter.unset": "尚未设置",
  "home.complaints": "本季度投诉",
  "home.recordings": "本季度录音",
  "home.totals": "档案库共 {complaints} 件投诉、{recordings} 段录音",
  "home.events": "审计事件",
  "home.lastEvent": "最近一次记录：{at}",
  "departments.title": "本季度投诉 · 按责任机构",
  "departments.department": "责任机构",
  "departments.complaints": "投诉",
  "departments.withRecording": "有录音",
  "departments.forwarded": "监管转办",
  "departments.empty": "本季度还没有投诉。",
  "chain.title": "审计链",
  "chain.checking": "正在校验审计链…",
  "chain.ok": "校验通过",
  "chain.ok.detail": "{events} 个事件与 {recordings} 段录音均完好，未发现改动。",
  "chain.failed": "校验未通过",
  "chain.failed.detail": "发现 {count} 处问题，最先的一处：",
  "chain.head": "链头哈希",
  "chain.verifiedAt": "校验时间",
  "chain.recheck": "重新校验",
  "chain.recheck.hint": "重新校验（快捷键 R）",
  "chain.event": "事件 #{seq}",
  "vault.path": "档案库位置",
  "vault.loading": "正在打开档案库…",
  "error.title": "无法打开档案库",
  "error.code": "错误代码",
  "shortcuts": "快捷键：R 重新校验 · L 切换语言",
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  "app.name": "Tingjian",
  "app.tagline": "Quarterly complaint-call reviews",
  "lang.switch": "中文",
  "lang.switch.hint": "Switch to Chinese (shortcut L)",
  "home.quarter": "This quarter",
  "home.quarter.range": "{start} to {end}",
  "home.quarter.unset": "not set up",
  "home.complaints": "Complaints this quarter",
  "home.recordings": "Recordings this quarter",
  "home.totals": "The vault holds {complaints} complaints and {recordings} recordings",
  "home.events": "Audit events",
  "home.lastEvent": "Last recorded: {at}",
  "departments.title": "Complaints this quarter by department",
  "departments.department": "Responsible department",
  "departments.complaints": "Complaints",
  "departments.withRecording": "Recorded",
  "departments.forwarded": "Regulator-forwarded",
  "departments.empty": "No complaints this quarter yet.",
  "chain.title": "Audit chain",
  "chain.checking": "Verifying the audit chain…",
  "chain.ok": "Verified",
  "chain.ok.detail": "{events} events and {recordings} recordings are intact; nothing was altered.",
  "chain.failed": "Verification failed",
  "chain.failed.detail": "{count} problem(s) found; the first:",
  "chain.head": "Chain head",
  "chain.verifiedAt": "Verified at",
  "chain.recheck": "Verify again",
  "chain.recheck.hint": "Verify again (shortcut R)",
  "chain.event": "Event #{seq}",
  "vault.path": "Vault",
  "vault.loading": "Opening the vault…",
  "error.title": "The vault cannot be opened",
  "error.code": "Error code",
  "shortcuts": "Shortcuts: R verify again · L switch language",
};

const messages: Record<Locale, Record<MessageKey, string>> = { "zh-CN": zh, en };

/** The text for `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return messages[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

const quarterStates: Record<QuarterState, Record<Locale, string>> = {
  planning: { "zh-CN": "筹备中", en: "planning" },
  open: { "zh-CN": "进行中", en: "open" },
  closed: { "zh-CN": "已关闭", en: "closed" },
};

export function quarterStateLabel(locale: Locale, state: QuarterState | null): string {
  return state ? quarterStates[state][locale] : translate(locale, "home.quarter.unset");
}

// What a person can do about each failure. A new error code without advice here fails the build.
const advice: Record<ErrorCode, Record<Locale, string>> = {
  VAULT_NOT_A_DIRECTORY: {
    "zh-CN": "请用 --vault 或 TINGJIAN_VAULT 指向一个文件夹。",
    en: "Point --vault or TINGJIAN_VAULT at a folder.",
  },
  VAULT_READ_ONLY: {
    "zh-CN": "请检查文件夹权限，或把档案库放到可写的位置。",
    en: "Check the folder's permissions, or keep the vault somewhere writable.",
  },
  VAULT_SCHEMA_TOO_NEW: {
    "zh-CN": "这个档案库来自更新版本的听见，请升级后再打开。档案库没有被改动。",
    en: "This vault comes from a newer Tingjian; update before opening it. The vault was not changed.",
  },
  VAULT_NOT_FOUND: {
    "zh-CN": "运行 `tingjian init` 新建档案库，或 `make run` 打开演示档案库。",
    en: "Run `tingjian init` to create a vault, or `make run` for the demo vault.",
  },
  VAULT_ALREADY_EXISTS: { "zh-CN": "直接打开现有档案库即可。", en: "Open the existing vault instead." },
  VAULT_DATABASE: {
    "zh-CN": "数据库出错。请先运行 `tingjian verify` 检查档案库。",
    en: "The database failed. Run `tingjian verify` to check the vault.",
  },
  IO: { "zh-CN": "请检查磁盘空间和文件权限。", en: "Check disk space and file permissions." },
  INVALID_INPUT: { "zh-CN": "请检查输入文件。", en: "Check the input file." },
  TOOL_MISSING: { "zh-CN": "运行 `make run` 安装所需工具。", en: "Run `make run` to install the tools it needs." },
  TOOL_FAILED: { "zh-CN": "请查看工具的输出。", en: "See the tool's output." },
  VERIFY_FAILED: {
    "zh-CN": "档案库被改动过。请勿继续写入，并通知内审。",
    en: "The vault was altered. Stop writing to it and tell internal audit.",
  },
  INTERNAL: { "zh-CN": "程序内部错误，请重启听见。", en: "An internal error; restart Tingjian." },
};

export function errorAdvice(locale: Locale, code: ErrorCode): string {
  return advice[code][locale];
}

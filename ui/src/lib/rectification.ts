// What the rectification screens share: the i18n key of each state, step, result and role (typed,
// so a new variant on the Rust side without a label fails the check), overdue flags as text, and
// the branch's civil date. The rules themselves live in the core; nothing here decides a step.
import type { ActionKind, Actor, CaseSeverity, CaseState, Effectiveness, OverdueFlag, Role } from "./bindings";
import { BRANCH_ZONE } from "./format";
import type { MessageKey } from "./i18n";

export const CASE_STATES: readonly CaseState[] = [
  "draft",
  "open",
  "in_progress",
  "pending_verification",
  "closed",
  "cancelled",
];

/** The lifecycle as a person follows it (cancelled is off the path). */
export const LIFECYCLE: readonly CaseState[] = ["draft", "open", "in_progress", "pending_verification", "closed"];

export const STATE_KEY: Record<CaseState, MessageKey> = {
  draft: "rect.state.draft",
  open: "rect.state.open",
  in_progress: "rect.state.in_progress",
  pending_verification: "rect.state.pending_verification",
  closed: "rect.state.closed",
  cancelled: "rect.state.cancelled",
};

export const WAIT_KEY: Record<CaseState, MessageKey> = {
  draft: "rect.wait.draft",
  open: "rect.wait.open",
  in_progress: "rect.wait.in_progress",
  pending_verification: "rect.wait.pending_verification",
  closed: "rect.wait.closed",
  cancelled: "rect.wait.cancelled",
};

export const ACTION_KEY: Record<ActionKind, MessageKey> = {
  open: "rect.action.open",
  answer: "rect.action.answer",
  add_action: "rect.action.add_action",
  log_progress: "rect.action.log_progress",
  submit_for_verification: "rect.action.submit_for_verification",
  verify: "rect.action.verify",
  cancel: "rect.action.cancel",
};

export const EFFECTIVENESS: readonly Effectiveness[] = ["effective", "partly_effective", "not_effective"];

export const RESULT_KEY: Record<Effectiveness, MessageKey> = {
  effective: "rect.result.effective",
  partly_effective: "rect.result.partly_effective",
  not_effective: "rect.result.not_effective",
};

const ROLE_KEY: Record<Role, MessageKey> = {
  president: "rect.role.president",
  coordinator: "rect.role.coordinator",
  department_head: "rect.role.department_head",
  reviewer: "rect.role.reviewer",
  // Old demo vaults' name for a department head; the vault already reports such a person acting
  // as department_head, so this only keeps the map complete.
  owner: "rect.role.department_head",
};

/** The severity of a required rectification: the type generated from the core's enum. */
export type Severity = CaseSeverity;

const SEVERITY_KEY: Record<Severity, MessageKey> = {
  normal: "review.rectify.severity.normal",
  serious: "review.rectify.severity.serious",
  critical: "review.rectify.severity.critical",
};

/** Every severity, least to most serious: the keys of the label map, which the type checker holds
 * to exactly the generated type's members. */
export const SEVERITIES = Object.keys(SEVERITY_KEY) as readonly Severity[];

/** Suggested root-cause categories; the field stays free text. */
export const CATEGORY_KEYS: readonly MessageKey[] = [
  "rect.category.disclosure",
  "rect.category.process",
  "rect.category.training",
  "rect.category.policy",
  "rect.category.system",
  "rect.category.staff",
];

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function severityLabel(t: Translate, severity: Severity): string {
  return t(SEVERITY_KEY[severity]);
}

export function roleLabel(t: Translate, actor: Actor): string {
  return t(ROLE_KEY[actor.role], { department: actor.department ?? "" });
}

/** An overdue flag as a short line, action numbers counted from 1 as people do. */
export function flagText(t: Translate, flag: OverdueFlag): string {
  switch (flag.kind) {
    case "action_overdue":
      return t("rect.flag.action_overdue", { n: flag.action + 1, days: flag.days_late });
    case "case_overdue":
      return t("rect.flag.case_overdue", { days: flag.days_late });
    case "awaiting_verification":
      return t("rect.flag.awaiting_verification", { days: flag.days_waiting });
  }
}

/** The case is late for its department (an action or the case itself past its due date). */
export const isLate = (flags: OverdueFlag[]) => flags.some((f) => f.kind !== "awaiting_verification");
/** Pending verification for longer than the policy allows (for the coordinator). */
export const isWaitingTooLong = (flags: OverdueFlag[]) => flags.some((f) => f.kind === "awaiting_verification");

/** Today's civil date in the branch's zone, `YYYY-MM-DD` (what date inputs hold). */
export function branchToday(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: BRANCH_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Non-empty trimmed lines: the evidence field takes one path per line. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** Complaint numbers typed with commas (either width), semicolons or spaces between them. */
export function complaintNumbers(text: string): string[] {
  return text
    .split(/[\s,，;；、]+/)
    .map((n) => n.trim())
    .filter((n) => n !== "");
}

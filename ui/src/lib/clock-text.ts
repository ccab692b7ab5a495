// The words for a complaint's clock outcomes, shared by the 处理时效 screen and the complaint's
// details beside its call.
import type { HandlingOutcome, ResponseOutcome } from "./bindings";
import { t } from "./locale.svelte";
import { handlingDays, responseMinutes } from "./timeliness";

export function describeResponse(outcome: ResponseOutcome): string {
  switch (outcome.outcome) {
    case "missing":
      return t("clock.response.missing");
    case "pending":
      return t("clock.response.pending");
    case "before_start":
      return t("clock.response.beforeStart");
    default:
      return t("clock.response.minutes", { minutes: responseMinutes(outcome) ?? 0 });
  }
}

export function describeHandling(outcome: HandlingOutcome): string {
  const days = handlingDays(outcome) ?? 0;
  switch (outcome.outcome) {
    case "late":
      return t("clock.handling.late", { days });
    case "overdue":
      return t("clock.handling.overdue", { days });
    case "open":
      return t("clock.handling.open", { days });
    case "on_time":
      return t("clock.handling.onTime", { days });
    default:
      return t("clock.handling.beforeAccepted");
  }
}

// The UI language: the system's (French or English), switchable in settings.
import { en, format, fr, type MessageKey } from "./messages";

export type Locale = "en" | "fr";

export function systemLocale(): Locale {
  const lang = (globalThis.navigator?.language ?? "en").toLowerCase();
  return lang.startsWith("fr") ? "fr" : "en";
}

export const i18n = $state<{ locale: Locale }>({ locale: systemLocale() });

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const table = i18n.locale === "fr" ? fr : en;
  return format(table[key], params);
}

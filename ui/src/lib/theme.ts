// The page's colours: light, dark, or the desktop's choice (prefers-color-scheme, which
// app.css follows when the root element names no theme).

export type Theme = "system" | "light" | "dark";

/** Names the chosen theme on the root element (none: follow the desktop). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "light" || theme === "dark") root.dataset.theme = theme;
  else delete root.dataset.theme;
}

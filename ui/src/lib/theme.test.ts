import { describe, expect, it } from "vitest";
import { applyTheme } from "./theme";

function root(): HTMLElement {
  return { dataset: {} } as unknown as HTMLElement;
}

// The colours themselves are checked in the app (src-tauri/tests/e2e_health.rs: a dark page).
describe("theme", () => {
  it("names a chosen theme on the root and none for the system's", () => {
    const r = root();
    applyTheme("dark", r);
    expect(r.dataset.theme).toBe("dark");
    applyTheme("light", r);
    expect(r.dataset.theme).toBe("light");
    applyTheme("system", r);
    expect(r.dataset.theme).toBeUndefined();
  });
});

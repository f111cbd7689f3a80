import { describe, expect, it } from "vitest";
import { copySecret } from "./clipboard";

function fakeClipboard(initial = "") {
  let value = initial;
  return {
    writeText: async (t: string) => void (value = t),
    readText: async () => value,
    get value() {
      return value;
    },
  };
}

describe("copySecret", () => {
  it("clears the clipboard later if it still holds the secret", async () => {
    const cb = fakeClipboard();
    let scheduled: (() => Promise<void>) | null = null;
    await copySecret("s3cret", 30, cb, (fn, ms) => {
      expect(ms).toBe(30_000);
      scheduled = fn as () => Promise<void>;
    });
    expect(cb.value).toBe("s3cret");
    await scheduled!();
    expect(cb.value).toBe("");
  });

  it("leaves something the user copied since", async () => {
    const cb = fakeClipboard();
    let scheduled: (() => Promise<void>) | null = null;
    await copySecret("s3cret", 30, cb, (fn) => (scheduled = fn as () => Promise<void>));
    await cb.writeText("mine");
    await scheduled!();
    expect(cb.value).toBe("mine");
  });
});

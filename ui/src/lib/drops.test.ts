import { describe, expect, it, vi } from "vitest";

vi.mock("../ipc/transfer", () => ({ watchDrops: vi.fn(async () => {}) }));

import { isImage } from "./drops.svelte";

describe("dropped files", () => {
  it("recognises QR screenshots by their extension", () => {
    expect(isImage("/home/me/Screenshot.PNG")).toBe(true);
    expect(isImage("/tmp/qr.jpeg")).toBe(true);
    expect(isImage("/tmp/export.json")).toBe(false);
    expect(isImage("/tmp/png")).toBe(false);
  });
});

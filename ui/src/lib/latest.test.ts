import { describe, expect, it } from "vitest";
import { latest } from "./latest";

// A request the test answers by hand.
function controlled() {
  const calls: { args: string; resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const run = (args: string) =>
    new Promise<string>((resolve, reject) => calls.push({ args, resolve, reject }));
  return { calls, run };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("latest", () => {
  it("asks at once, keeps one request in flight and only the newest waiting ask", async () => {
    const { calls, run } = controlled();
    const answers: string[] = [];
    const l = latest(run, (a) => answers.push(a), () => {});
    l.ask("g");
    expect(calls.map((c) => c.args)).toEqual(["g"]);
    l.ask("gi");
    l.ask("git");
    expect(calls.length).toBe(1);
    calls[0].resolve("answer g");
    await flush();
    // The stale answer is dropped; the newest ask is sent, the one between never.
    expect(answers).toEqual([]);
    expect(calls.map((c) => c.args)).toEqual(["g", "git"]);
    calls[1].resolve("answer git");
    await flush();
    expect(answers).toEqual(["answer git"]);
  });

  it("ignores an ask for what is already on its way", async () => {
    const { calls, run } = controlled();
    const answers: string[] = [];
    const l = latest(run, (a) => answers.push(a), () => {});
    l.ask("a");
    l.ask("b");
    l.ask("a");
    calls[0].resolve("A");
    await flush();
    expect(answers).toEqual(["A"]);
    expect(calls.length).toBe(1);
  });

  it("reports the newest failure and drops everything after a cancel", async () => {
    const { calls, run } = controlled();
    const answers: string[] = [];
    const errors: unknown[] = [];
    const l = latest(run, (a) => answers.push(a), (e) => errors.push(e));
    l.ask("x");
    calls[0].reject("locked");
    await flush();
    expect(errors).toEqual(["locked"]);
    l.ask("y");
    l.cancel();
    calls[1].resolve("Y");
    await flush();
    expect(answers).toEqual([]);
    l.ask("z");
    expect(calls.map((c) => c.args)).toEqual(["x", "y", "z"]);
  });
});

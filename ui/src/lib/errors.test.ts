import { describe, expect, it } from "vitest";
import { errorsEn, errorsFr, errorText } from "./errors";

describe("error texts", () => {
  it("has an English and a French text for every error code", () => {
    // Both tables are Record<ErrorCode, string> over the generated union: tsc fails on a
    // missing code; this checks that neither has extras nor empty texts.
    const codes = Object.keys(errorsEn).sort();
    expect(Object.keys(errorsFr).sort()).toEqual(codes);
    expect(codes).toContain("costly_kdf");
    for (const code of codes) {
      expect(errorsEn[code as keyof typeof errorsEn].length).toBeGreaterThan(0);
      expect(errorsFr[code as keyof typeof errorsFr].length).toBeGreaterThan(0);
    }
  });

  it("words a code in the chosen language", () => {
    const e = { code: "wrong_code", message: "wrong code" };
    expect(errorText(e, "en")).toBe("Wrong code.");
    expect(errorText(e, "fr")).toBe("Code erroné.");
  });

  it("puts the core's details and the wait in place", () => {
    const limited = { code: "email_rate_limited", message: "a code was sent recently; wait 1 min", wait_secs: 42 };
    expect(errorText(limited, "fr")).toContain("42 s");
    const invalid = { code: "invalid", message: "the master password cannot be empty" };
    expect(errorText(invalid, "en")).toBe("the master password cannot be empty");
    expect(errorText(invalid, "fr")).toBe("Valeur refusée : the master password cannot be empty");
  });

  it("names a missing client and its Debian package in both languages", () => {
    const e = { code: "missing_program", message: "x", missing: { program: "ssh", package: "openssh-client" } };
    expect(errorText(e, "en")).toBe(
      "ssh is not installed: install the Debian package openssh-client (sudo apt install openssh-client).",
    );
    expect(errorText(e, "fr")).toContain("installez le paquet Debian openssh-client");
  });

    it("shows the core's message for a code it has no text for", () => {
    expect(errorText({ code: "from_a_newer_core", message: "something new" }, "fr")).toBe("something new");
    expect(errorText("bridge failure", "en")).toBe("Something went wrong: bridge failure");
  });
});

import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/logger.js";

describe("redactSecrets", () => {
  it("masks Supabase's new API keys (sb_secret_…, sb_publishable_…)", () => {
    const line = "key sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz and sb_publishable_ZAhXd9nRBuH3Y0yVmV2P2A_4q1z";
    const out = redactSecrets(line);
    expect(out).toBe("key sb_secret_*** and sb_publishable_***");
    expect(out).not.toContain("N7UND0");
  });
});

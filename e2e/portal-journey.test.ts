// The portal journey in headless Chromium, on the platform as `npm start` runs it: sign up,
// create an organization, create a key allowed models from the catalog (read from its one-time
// dialog), grant credits on the admin page, stream a reply in the playground, find the request and
// its cost on the usage page, revoke the key, and see the playground's next request refused with
// the gateway's message.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, journeyRecorder, launchChromium } from "./support/browser.ts";
import { type Launched, repoRoot, startLauncher } from "./support/launcher.ts";

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.log("portal journey skipped: no Chromium found (install Debian's chromium at /usr/bin/chromium)");
}
const browserIt = chromiumPath ? it : it.skip;

let platform: Launched | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!chromiumPath) return;
  // `npm test` builds the web app first; a bare `vitest run` may not have.
  if (!existsSync(join(repoRoot, "apps/portal-web/dist/index.html"))) {
    execFileSync("npm", ["run", "build", "-w", "@gw/portal-web"], { cwd: repoRoot, stdio: "inherit" });
  }
  platform = await startLauncher();
  browser = await launchChromium(chromiumPath);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** Clicks a sidebar link: client-side navigation keeps the page's memory (the new key). */
async function nav(page: Page, label: string) {
  await page
    .getByRole("navigation", { name: "Organization" })
    .getByRole("link", { name: label, exact: true })
    .click();
  await page.getByRole("heading", { level: 1, name: label }).waitFor();
}

describe("portal journey", () => {
  browserIt(
    "sign up, create an org and a key, grant credit, stream in the playground, see the cost, revoke, get refused",
    async () => {
      if (!platform || !browser) throw new Error("not started");
      const { portalUrl, inferenceUrl } = platform;
      const context = await browser.newContext({
        baseURL: portalUrl,
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const step = journeyRecorder("portal-journey", page);
      const slug = "journey-inc";
      let apiKey = "";
      let requestId = "";

      await step("sign up", async () => {
        await page.goto("/sign-up");
        await page.getByLabel("Email").fill("newcomer@example.test");
        await page.getByLabel("Password").fill("correct horse battery");
        await page.getByRole("button", { name: "Create account" }).click();
        // A new account has no organization: it lands on the create-organization flow.
        await page.getByRole("heading", { name: "Create your organization" }).waitFor();
      });

      await step("create an organization", async () => {
        await page.getByLabel("Name").fill("Journey Inc");
        expect(await page.getByLabel("Slug").inputValue()).toBe(slug);
        await page.getByRole("button", { name: "Create organization" }).click();
        await page.waitForURL(`**/o/${slug}?welcome=1`);
        await page.getByRole("heading", { name: "Get started" }).waitFor();
      });

      await step("create a key and read it from the dialog", async () => {
        await page.getByRole("link", { name: "Create an API key" }).click();
        const dialog = page.getByRole("dialog", { name: "Create an API key" });
        await dialog.getByLabel("Name").fill("journey");
        // Allowed models: one picked from the catalog, one typed as people write it.
        await dialog.getByRole("checkbox", { name: "demo/demo-chat", exact: true }).check();
        await dialog.getByLabel("Find or add a model").fill("demo-chat");
        await dialog.getByLabel("Find or add a model").press("Enter");
        expect(await dialog.getByRole("checkbox", { name: "demo-chat", exact: true }).isChecked()).toBe(true);
        await dialog.getByRole("button", { name: "Create key" }).click();
        const shown = page.getByRole("dialog", { name: "Key created" });
        apiKey = await shown.getByLabel("Your new API key").inputValue();
        expect(apiKey).toMatch(/^sk-[0-9A-Za-z-]{20,}$/);
        await shown.getByText("shown only this once").waitFor();
        await shown.getByRole("button", { name: "I have copied it" }).click();
        await page.getByRole("cell", { name: "journey", exact: true }).waitFor();
        await page.getByText("Models: demo/demo-chat, demo-chat").waitFor();
      });

      await step("grant credits on the admin page", async () => {
        await page.getByRole("link", { name: "Organizations & credits" }).click();
        await page.getByLabel("Search").fill(slug);
        await page.getByRole("button", { name: `Adjust credits for ${slug}` }).click();
        const dialog = page.getByRole("dialog", { name: "Credits for Journey Inc" });
        await dialog.getByLabel("Amount (USD)").fill("5");
        await dialog.getByLabel("Note").fill("journey test credit");
        await dialog.getByRole("button", { name: "Post adjustment" }).click();
        await dialog.getByText("New balance: $5.00").waitFor();
        await dialog.getByRole("button", { name: "Done" }).click();
      });

      await step("stream a reply in the playground", async () => {
        await page.getByLabel("Organization", { exact: true }).selectOption(slug);
        await page.getByRole("heading", { level: 1, name: "Journey Inc" }).waitFor();
        await nav(page, "Playground");
        // The key the dialog just showed is offered from memory.
        await page.getByRole("button", { name: /Use the key you just created \(journey/ }).click();
        expect(await page.getByLabel("API key").inputValue()).toBe(apiKey);
        // The demo model is picked by default when the installation has it.
        expect(await page.getByLabel("Model").inputValue()).toMatch(/(^|\/)demo-chat$/);
        // Record how the reply grows: streamed tokens show up one after another.
        await page.evaluate(() => {
          const w = window as unknown as { replyLengths: number[] };
          w.replyLengths = [];
          new MutationObserver(() => {
            const reply = document.querySelector('[data-testid="assistant-reply"] .message-content');
            const length = reply?.textContent?.replace(/^…$/, "").length ?? 0;
            if (length && w.replyLengths.at(-1) !== length) w.replyLengths.push(length);
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        await page.getByLabel("Message").fill("Hello from the journey test");
        await page.getByRole("button", { name: "Send" }).click();
        const usage = page.getByTestId("reply-usage");
        await usage.waitFor();
        const usageText = (await usage.textContent()) ?? "";
        expect(usageText).toMatch(/\d+ input \+ \d+ output tokens/);
        expect(usageText).toMatch(/about \$0\.\d+ at list price/);
        requestId = /request (\S+)/.exec(usageText)?.[1] ?? "";
        expect(requestId).not.toBe("");
        const reply =
          (await page.getByTestId("assistant-reply").locator(".message-content").textContent()) ?? "";
        expect(reply.length).toBeGreaterThan(0);
        const lengths = await page.evaluate(
          () => (window as unknown as { replyLengths: number[] }).replyLengths,
        );
        expect(lengths.length, `the reply grew in steps ${JSON.stringify(lengths)}`).toBeGreaterThan(2);
      });

      await step("the usage page shows the request and its cost", async () => {
        await nav(page, "Usage");
        const row = page.getByRole("row").filter({ hasText: requestId });
        // Usage records are written in batches: refresh until the request is there.
        for (let attempt = 0; attempt < 30 && (await row.count()) === 0; attempt++) {
          await page.waitForTimeout(500);
          await page.getByRole("button", { name: "Refresh" }).click();
        }
        await row.waitFor();
        const text = (await row.textContent()) ?? "";
        expect(text).toContain("demo-chat");
        expect(text).toContain("success");
        expect(text).toMatch(/\$0\.0*[1-9]\d*/);
      });

      await step("revoke the key", async () => {
        await nav(page, "API keys");
        await page.getByRole("button", { name: "Revoke journey" }).click();
        const dialog = page.getByRole("dialog", { name: "Revoke journey?" });
        await dialog.getByRole("button", { name: "Revoke key" }).click();
        await dialog.waitFor({ state: "hidden" });
        await page.getByText("No active keys yet.").waitFor();
      });

      await step("the playground's next request is refused with the gateway's message", async () => {
        const direct = await fetch(`${inferenceUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "hi" }] }),
        });
        expect(direct.status).toBe(401);
        const message = ((await direct.json()) as { error: { message: string } }).error.message;
        await nav(page, "Playground");
        await page.getByLabel("API key").fill(apiKey);
        await page.getByLabel("Message").fill("Are you still there?");
        await page.getByRole("button", { name: "Send" }).click();
        const alert = page.getByTestId("assistant-reply").last().getByRole("alert");
        await alert.waitFor();
        expect(await alert.textContent()).toBe(message);
      });

      await context.close();
    },
    180_000,
  );

  const pages = [
    "Dashboard",
    "Playground",
    "API keys",
    "Usage",
    "Billing",
    "Members",
    "Projects",
    "Providers",
    "Models",
    "Audit log",
    "Settings",
  ];

  browserIt(
    "every page renders without an error, at a laptop and at a phone width",
    async () => {
      if (!platform || !browser) throw new Error("not started");
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 390, height: 844 },
      ]) {
        const context = await browser.newContext({ baseURL: platform.portalUrl, viewport });
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const step = journeyRecorder(`pages-${viewport.width}`, page);
        await step("sign in", async () => {
          await page.goto("/sign-in");
          await page.getByLabel("Email").fill("newcomer@example.test");
          await page.getByLabel("Password").fill("correct horse battery");
          await page.getByRole("button", { name: "Sign in" }).click();
          await page.getByRole("heading", { level: 1, name: "Journey Inc" }).waitFor();
        });
        const phone = viewport.width < 760;
        for (const label of [...pages, "Organizations & credits", "Model prices"]) {
          await step(label, async () => {
            if (phone) await page.getByRole("button", { name: "Menu" }).click();
            const admin = label === "Organizations & credits" || label === "Model prices";
            await page
              .getByRole("navigation", { name: admin ? "Platform admin" : "Organization" })
              .getByRole("link", { name: label, exact: true })
              .click();
            await page.getByRole("heading", { level: 1 }).first().waitFor();
            await page.waitForLoadState("networkidle");
            await page.getByText("Loading…").first().waitFor({ state: "hidden" });
            const errors = await page.locator(".alert-error").allTextContents();
            expect(errors, `errors on ${label}`).toEqual([]);
            // Nothing wider than the screen but tables, which scroll inside their box.
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth - window.innerWidth,
            );
            expect(overflow, `horizontal overflow on ${label}`).toBeLessThanOrEqual(0);
          });
        }
        await context.close();
      }
    },
    120_000,
  );
});

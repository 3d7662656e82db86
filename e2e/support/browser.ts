// Headless Chromium through playwright-core, on the system's browser (Debian's chromium):
// Playwright's own browser download does not work on these machines.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { repoRoot } from "./launcher.ts";

const candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium binary to drive, or undefined when none is installed. */
export function findChromium(): string | undefined {
  return candidates.find((path) => existsSync(path));
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export const outputDir = join(repoRoot, "e2e", "output");
const keepAll = process.env.E2E_SCREENSHOTS === "always";

/**
 * Runs the steps of a journey in order. After each step it keeps a screenshot of the page; when a
 * step fails, every kept screenshot, the failing page's screenshot and HTML, and the browser's
 * console go to e2e/output/<journey>/, and the error names the step.
 */
export function journeyRecorder(name: string, page: Page) {
  const shots: { step: string; png: Buffer }[] = [];
  const console: string[] = [];
  page.on("console", (message) => console.push(`[${message.type()}] ${message.text()}`));
  page.on("pageerror", (error) => console.push(`[pageerror] ${error.message}`));
  let index = 0;
  return async function step(title: string, run: () => Promise<void>): Promise<void> {
    index += 1;
    const label = `${String(index).padStart(2, "0")}-${title.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
    try {
      await run();
      const png = await page.screenshot({ fullPage: true });
      shots.push({ step: label, png });
      // E2E_SCREENSHOTS=always keeps every step's screenshot, also when the journey passes.
      if (keepAll) {
        mkdirSync(join(outputDir, name), { recursive: true });
        writeFileSync(join(outputDir, name, `${label}.png`), png);
      }
    } catch (error) {
      const dir = join(outputDir, name);
      mkdirSync(dir, { recursive: true });
      for (const shot of shots) writeFileSync(join(dir, `${shot.step}.png`), shot.png);
      await page
        .screenshot({ path: join(dir, `${label}-FAILED.png`), fullPage: true })
        .catch(() => undefined);
      writeFileSync(join(dir, `${label}-FAILED.html`), await page.content().catch(() => ""));
      writeFileSync(join(dir, "console.log"), console.join("\n"));
      throw new Error(
        `journey step "${title}" failed at ${page.url()} (screenshots in ${dir}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
}

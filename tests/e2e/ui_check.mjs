// The Airflow UI as a user drives it, in headless Debian chromium through playwright-core:
// log in, Admin > Connections > Test on the intacct connection, then the DAG's trigger form: a dry run
// with two objects picked, waited for, and screenshots of the grid and of the report task's log.
// Prints one JSON line: {"connection_test": "ok" | message, "run_id": ...}. Run by test_production_e2e.py.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const env = process.env;
const base = env.AIRFLOW_URL;
const dagId = env.DAG_ID;
const artifacts = env.ARTIFACTS;
const step = (text) => console.error(`[ui] ${text}`);

async function apiToken() {
  const response = await fetch(`${base}/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: env.AIRFLOW_USER, password: env.AIRFLOW_PASSWORD }),
  });
  return (await response.json()).access_token;
}

async function api(pathname) {
  const response = await fetch(`${base}/api/v2${pathname}`, { headers: { Authorization: `Bearer ${await apiToken()}` } });
  return response.json();
}

const browser = await chromium.launch({ executablePath: env.CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(60_000);

  step("log in");
  await page.goto(`${base}/`);
  await page.locator("input[name=username], input#username").first().fill(env.AIRFLOW_USER);
  await page.locator("input[type=password]").first().fill(env.AIRFLOW_PASSWORD);
  await page.locator("button[type=submit]").first().click();
  await page.waitForURL((url) => !url.pathname.includes("login"));

  step("Admin > Connections > Test");
  await page.goto(`${base}/connections`);
  const row = page.locator("tr", { hasText: env.CONN_ID }).first();
  await row.waitFor();
  const tested = page.waitForResponse((r) => r.url().includes("/api/v2/connections/test"));
  await row.getByRole("button", { name: /test/i }).first().click();
  const response = await tested;
  const body = await response.json().catch(() => ({}));
  result.connection_test = response.status() === 200 && body.status === true ? "ok" : `${response.status()} ${JSON.stringify(body)}`;
  await page.screenshot({ path: path.join(artifacts, "connection-test.png") });
  if (result.connection_test !== "ok") throw new Error(`connection test: ${result.connection_test}`);

  step("trigger form: dry run, two objects");
  await page.goto(`${base}/dags/${dagId}`);
  const before = new Set((await api(`/dags/${dagId}/dagRuns?limit=100`)).dag_runs.map((r) => r.dag_run_id));
  await page.getByRole("button", { name: /^trigger/i }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  // The run options sit in a collapsed section in some versions; open it when it is there.
  const advanced = dialog.getByText(/advanced options|run parameters|parameters/i).first();
  if (await advanced.isVisible().catch(() => false)) await advanced.click().catch(() => {});
  // The form's switch for the "dry_run" param (a chakra switch: a label around a hidden checkbox).
  const dryRunSwitch = dialog.locator("[id$=element_dry_run]").first();
  await dryRunSwitch.waitFor({ state: "attached" });
  await dryRunSwitch.evaluate((el) => el.click());
  if ((await dryRunSwitch.getAttribute("data-state")) !== "checked") throw new Error("dry run switch did not turn on");

  const objects = ["accounts", "vendors"];
  const field = dialog.locator("[id$=element_objects]").first();
  const area = dialog.locator("textarea[id$=element_objects], [id$=element_objects] textarea").first();
  console.error(`[ui] objects field: ${await field.evaluate((el) => el.outerHTML.slice(0, 400)).catch(() => "none")}`);
  if (await area.count()) {
    // A text box of one value per line (before objects became a multi-select).
    await area.evaluate((el) => el.scrollIntoView());
    await area.fill(objects.join("\n"), { force: true });
  } else {
    // A multi-select (react-select) holding all three objects: take "Bills" out, keep the other two.
    const remove = field.locator('[aria-label^="Remove Bills"]').first();
    if (await remove.count()) {
      await remove.evaluate((el) => el.click());
    } else {
      await field.evaluate((el) => el.scrollIntoView());
      await field.click({ force: true });
      await page.keyboard.press("Backspace");  // react-select drops the last chosen value
    }
    const shown = await field.innerText();
    if (shown.includes("Bills (both ways)") || !shown.includes("Vendors")) {
      throw new Error(`objects multi-select still shows: ${shown}`);
    }
  }
  await page.screenshot({ path: path.join(artifacts, "trigger-form.png") });
  await dialog.getByRole("button", { name: /^trigger/i }).last().evaluate((el) => el.click());

  step("wait for the dry run");
  let run;
  for (let i = 0; i < 120 && !(run && ["success", "failed"].includes(run.state)); i++) {
    await new Promise((r) => setTimeout(r, 3000));
    run = (await api(`/dags/${dagId}/dagRuns?limit=100`)).dag_runs.find((r) => !before.has(r.dag_run_id));
  }
  if (!run) throw new Error("the trigger form started no run");
  result.run_id = run.dag_run_id;
  result.run_state = run.state;
  result.conf = run.conf;

  step("screenshots: grid and report log");
  await page.goto(`${base}/dags/${dagId}/runs/${encodeURIComponent(run.dag_run_id)}`);
  await page.waitForTimeout(3000);
  await page.screenshot({ path: path.join(artifacts, "grid.png"), fullPage: true });
  await page.goto(`${base}/dags/${dagId}/runs/${encodeURIComponent(run.dag_run_id)}/tasks/report`);
  await page.getByText(/API call|Run run-/).first().waitFor({ timeout: 60_000 }).catch(() => {});
  await page.waitForTimeout(2000);
  await page.screenshot({ path: path.join(artifacts, "report-log.png"), fullPage: true });
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await browser.close();
  console.log(JSON.stringify(result));
}

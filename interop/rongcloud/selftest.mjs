// Checks the harness itself: runs run.mjs against model-server.mjs (not timwire) on a free port.
//   node selftest.mjs [run.mjs options]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { start } from "./model-server.mjs";

const server = await start(0);
const navi = `http://127.0.0.1:${server.address().port}`;
const run = spawn(process.execPath, [fileURLToPath(new URL("./run.mjs", import.meta.url)), "--navi", navi, "--refused-token", "refused-token", ...process.argv.slice(2)], {
  stdio: "inherit",
});
run.on("exit", (code) => {
  server.close();
  process.exit(code ?? 1);
});

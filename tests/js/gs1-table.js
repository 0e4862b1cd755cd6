// biip's GS1 AI table, read from the very file the server serves at /gs1/application-identifiers.json
// (server/web/vendor.py names it), so the interpreter is tested with the rules phones get.
// $SHIPSHAPE_GS1_TABLE names the file directly; otherwise the project's .venv says where it is.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function gs1Table() {
  let path = process.env.SHIPSHAPE_GS1_TABLE;
  if (!path) {
    const python = `${ROOT}.venv/bin/python`;
    const where = "from server.web.vendor import GS1_AI_TABLE; print(GS1_AI_TABLE)";
    path = execFileSync(python, ["-c", where], { cwd: ROOT, encoding: "utf8" }).trim();
  }
  return JSON.parse(readFileSync(path, "utf8"));
}

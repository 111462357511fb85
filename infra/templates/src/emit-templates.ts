// `npm run build -w @cirrus/infra`: writes every template to generated/, the files customers apply.
// test/generated-templates.test.ts fails when a committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { templates, templateText } from "./templates.ts";

const out = join(dirname(fileURLToPath(import.meta.url)), "../generated");
for (const [name, template] of Object.entries(templates())) {
  writeFileSync(join(out, name), templateText(template));
  console.log(`wrote generated/${name}`);
}

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../code-scan/source-files.ts";

/** Where .ci/install-ros-definitions.sh unpacks the ros-cdk-* packages' generated resource classes. */
export const ROS_DEFINITIONS_DIR = join(REPO_ROOT, ".ci/cache/ros-definitions");

export interface RosResourceDefinition {
  type: string;
  /** ROS property names (PascalCase, as in a template). */
  properties: Set<string>;
  required: Set<string>;
  /** Names Fn::GetAtt may ask for. */
  attributes: Set<string>;
}

/**
 * The resource types of one generated module (`ecs.generated.js`): each `Ros<Name>` class names its type
 * (`ROS_RESOURCE_TYPE_NAME`) and attributes (`this.getAtt('X')`); `ros<Name>PropsToRosTemplate` maps every
 * property to its template name (`'InstanceType': …(properties.instanceType)`); `Ros<Name>PropsValidator`
 * marks the required ones (`ros.requiredValidator`).
 */
export function parseGeneratedModule(source: string): RosResourceDefinition[] {
  const out: RosResourceDefinition[] = [];
  for (const [, name, type] of source.matchAll(/^Ros(\w+)\.ROS_RESOURCE_TYPE_NAME = "([^"]+)";/gm)) {
    const section = (start: string) => {
      const at = source.indexOf(start);
      if (at < 0) return "";
      const end = source.indexOf("\n}", at);
      return source.slice(at, end < 0 ? undefined : end);
    };
    const toTemplate = section(`function ros${name}PropsToRosTemplate(`);
    const camelToTemplate = new Map<string, string>();
    for (const [, templateName, camel] of toTemplate.matchAll(/'(\w+)': [^\n]*?\(properties\.(\w+)\)/g))
      camelToTemplate.set(camel!, templateName!);
    const required = new Set<string>();
    for (const [, camel] of section(`function Ros${name}PropsValidator(`).matchAll(
      /propertyValidator\('(\w+)', ros\.requiredValidator\)/g,
    ))
      required.add(camelToTemplate.get(camel!) ?? camel!);
    const attributes = new Set(
      [...section(`class Ros${name} extends`).matchAll(/this\.getAtt\('(\w+)'\)/g)].map((m) => m[1]!),
    );
    out.push({ type: type!, properties: new Set(camelToTemplate.values()), required, attributes });
  }
  return out;
}

/** Every resource type of the installed ros-cdk packages, by type name; undefined when not installed. */
export function rosDefinitions(): Map<string, RosResourceDefinition> | undefined {
  if (!existsSync(ROS_DEFINITIONS_DIR)) return undefined;
  const out = new Map<string, RosResourceDefinition>();
  for (const pkg of readdirSync(ROS_DEFINITIONS_DIR)) {
    const lib = join(ROS_DEFINITIONS_DIR, pkg, "package/lib");
    if (!existsSync(lib)) continue;
    for (const file of readdirSync(lib).filter((f) => f.endsWith(".generated.js")))
      for (const def of parseGeneratedModule(readFileSync(join(lib, file), "utf8"))) out.set(def.type, def);
  }
  return out;
}

import type { RosResourceDefinition } from "./ros-definitions.ts";

interface Template {
  Parameters: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
  Outputs?: Record<string, unknown>;
}

/** ROS's pseudo parameters (ROS user guide, "Pseudo parameters"). */
const PSEUDO = new Set([
  "ALIYUN::Region",
  "ALIYUN::StackId",
  "ALIYUN::StackName",
  "ALIYUN::AccountId",
  "ALIYUN::TenantId",
  "ALIYUN::NoValue",
]);

/**
 * Where a template departs from the ROS resource definitions: unknown types, properties a type does not define,
 * required properties missing (top level only: nested property shapes are not checked), and references
 * (Ref, Fn::GetAtt, Fn::Sub's `${X}`/`${X.Attr}`, DependsOn) to nothing or to attributes a type does not have.
 */
export function rosTemplateProblems(
  template: Template,
  definitions: ReadonlyMap<string, RosResourceDefinition>,
): string[] {
  const problems: string[] = [];
  const names = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources), ...PSEUDO]);
  const attribute = (where: string, resource: string, attr: string) => {
    const r = template.Resources[resource];
    if (!r) problems.push(`${where}: no resource ${resource}`);
    else if (!definitions.get(r.Type)?.attributes.has(attr))
      problems.push(`${where}: ${r.Type} has no attribute ${attr}`);
  };
  const walk = (where: string, value: unknown) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(`${where}[${i}]`, v);
      return;
    }
    if (!value || typeof value !== "object") return;
    for (const [key, v] of Object.entries(value)) {
      if (key === "Ref" && (typeof v !== "string" || !names.has(v)))
        problems.push(`${where}: Ref to ${String(v)}`);
      else if (key === "Fn::GetAtt")
        attribute(where, String((v as unknown[])[0]), String((v as unknown[])[1]));
      else if (key === "Fn::Sub" && typeof v === "string") {
        for (const [, ref] of v.matchAll(/\$\{([^}!]+)\}/g)) {
          const [name, attr] = ref!.startsWith("ALIYUN::") ? [ref!] : ref!.split(".");
          if (attr) attribute(where, name!, attr);
          else if (!names.has(name!)) problems.push(`${where}: \${${name}} names nothing`);
        }
      } else walk(`${where}.${key}`, v);
    }
  };
  for (const [name, resource] of Object.entries(template.Resources)) {
    const definition = definitions.get(resource.Type);
    if (!definition) {
      problems.push(`${name}: unknown type ${resource.Type}`);
      continue;
    }
    const properties = resource.Properties ?? {};
    for (const p of Object.keys(properties))
      if (!definition.properties.has(p)) problems.push(`${name}: ${resource.Type} has no property ${p}`);
    for (const p of definition.required) if (!(p in properties)) problems.push(`${name}: ${p} is required`);
    for (const d of resource.DependsOn ?? [])
      if (!template.Resources[d]) problems.push(`${name}: DependsOn ${d}`);
    walk(name, properties);
  }
  walk("Outputs", template.Outputs ?? {});
  return problems;
}

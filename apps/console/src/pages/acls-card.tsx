import { useState } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { AclBinding } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
import { SelectField, type SelectOption } from "../components/select-field.tsx";
import { usePolled } from "../use-polled.ts";
import { useSubmit } from "../use-submit.ts";

const RESOURCE_TYPES: AclBinding["resourceType"][] = ["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"];
const OPERATIONS: AclBinding["operation"][] = [
  "READ",
  "WRITE",
  "DESCRIBE",
  "CREATE",
  "DELETE",
  "ALTER",
  "DESCRIBE_CONFIGS",
  "ALTER_CONFIGS",
  "IDEMPOTENT_WRITE",
  "CLUSTER_ACTION",
  "ALL",
];

const PERMISSIONS: SelectOption<AclBinding["permission"]>[] = [
  ["ALLOW", "ALLOW"],
  ["DENY", "DENY (wins over any ALLOW)"],
];
const PATTERN_TYPES: SelectOption<AclBinding["patternType"]>[] = [
  ["LITERAL", "LITERAL: this name (* for all)"],
  ["PREFIXED", "PREFIXED: every name starting with it"],
];

const EMPTY: AclBinding = {
  resourceType: "TOPIC",
  resourceName: "",
  patternType: "LITERAL",
  principal: "User:",
  host: "*",
  operation: "READ",
  permission: "ALLOW",
};

function CreateAclForm({ clusterId, onCreated }: { clusterId: string; onCreated: () => void }) {
  const [acl, setAcl] = useState<AclBinding>(EMPTY);
  const set = <K extends keyof AclBinding>(key: K, value: AclBinding[K]) =>
    setAcl((a) => ({ ...a, [key]: value }));
  const { busy, error, onSubmit } = useSubmit(async () => {
    const resourceName = acl.resourceType === "CLUSTER" ? "kafka-cluster" : acl.resourceName.trim();
    await unwrap(
      api.POST("/v1/clusters/{id}/acls", {
        params: { path: { id: clusterId } },
        body: { ...acl, resourceName, principal: acl.principal.trim() },
      }),
    );
    setAcl({ ...EMPTY, principal: acl.principal });
    onCreated();
  });
  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="acl-create">
      <h2 id="acl-create">Add an ACL</h2>
      <Field id="a-principal" label="Principal" hint="User:<name>, or User:* for every user" error={error}>
        {(aria) => (
          <input
            {...aria}
            value={acl.principal}
            onChange={(e) => set("principal", e.target.value)}
            autoComplete="off"
          />
        )}
      </Field>
      <SelectField
        id="a-permission"
        label="Permission"
        value={acl.permission}
        onChange={(v) => set("permission", v)}
        options={PERMISSIONS}
      />
      <SelectField
        id="a-operation"
        label="Operation"
        hint="READ, WRITE, DELETE and ALTER also grant DESCRIBE"
        value={acl.operation}
        onChange={(v) => set("operation", v)}
        options={OPERATIONS}
      />
      <SelectField
        id="a-type"
        label="Resource type"
        value={acl.resourceType}
        onChange={(v) => set("resourceType", v)}
        options={RESOURCE_TYPES}
      />
      {acl.resourceType !== "CLUSTER" && (
        <>
          <SelectField
            id="a-pattern"
            label="Pattern"
            value={acl.patternType}
            onChange={(v) => set("patternType", v)}
            options={PATTERN_TYPES}
          />
          <Field id="a-name" label="Resource name">
            {(aria) => (
              <input
                {...aria}
                value={acl.resourceName}
                onChange={(e) => set("resourceName", e.target.value)}
                autoComplete="off"
              />
            )}
          </Field>
        </>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Adding…" : "Add ACL"}
      </button>
    </form>
  );
}

export function AclsCard({ clusterId }: { clusterId: string }) {
  const acls = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/acls", { params: { path: { id: clusterId } } }))).items,
    5_000,
    [clusterId],
  );
  return (
    <>
      <CreateAclForm clusterId={clusterId} onCreated={acls.reload} />
      <div className="card">
        <h2>ACLs</h2>
        <LoadState
          {...acls}
          empty={<p>No ACL: with the authorizer on, only super users can do anything. Add a grant above.</p>}
        >
          {(list) => (
            <DataTable
              caption="ACLs"
              columns={["Principal", "Permission", "Operation", "Resource", "Host"]}
              actions
            >
              {list.map((a) => (
                <tr key={JSON.stringify(a)}>
                  <th scope="row">{a.principal}</th>
                  <td>{a.permission}</td>
                  <td>{a.operation}</td>
                  <td>
                    {a.resourceType} {a.patternType === "PREFIXED" ? `${a.resourceName}*` : a.resourceName}
                  </td>
                  <td>{a.host}</td>
                  <td>
                    <ConfirmButton
                      label="Delete"
                      danger
                      title={`Delete this ACL of ${a.principal}?`}
                      body="Brokers stop granting (or denying) it within seconds."
                      confirmLabel="Delete ACL"
                      action={async () => {
                        await unwrap(
                          api.POST("/v1/clusters/{id}/acls/delete", {
                            params: { path: { id: clusterId } },
                            body: a,
                          }),
                        );
                        acls.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </LoadState>
      </div>
    </>
  );
}

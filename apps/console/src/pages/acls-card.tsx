import { useState } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { AclBinding } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
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
      <Field id="a-permission" label="Permission">
        {(aria) => (
          <select
            {...aria}
            value={acl.permission}
            onChange={(e) => set("permission", e.target.value as AclBinding["permission"])}
          >
            <option value="ALLOW">ALLOW</option>
            <option value="DENY">DENY (wins over any ALLOW)</option>
          </select>
        )}
      </Field>
      <Field id="a-operation" label="Operation" hint="READ, WRITE, DELETE and ALTER also grant DESCRIBE">
        {(aria) => (
          <select
            {...aria}
            value={acl.operation}
            onChange={(e) => set("operation", e.target.value as AclBinding["operation"])}
          >
            {OPERATIONS.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="a-type" label="Resource type">
        {(aria) => (
          <select
            {...aria}
            value={acl.resourceType}
            onChange={(e) => set("resourceType", e.target.value as AclBinding["resourceType"])}
          >
            {RESOURCE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        )}
      </Field>
      {acl.resourceType !== "CLUSTER" && (
        <>
          <Field id="a-pattern" label="Pattern">
            {(aria) => (
              <select
                {...aria}
                value={acl.patternType}
                onChange={(e) => set("patternType", e.target.value as AclBinding["patternType"])}
              >
                <option value="LITERAL">LITERAL: this name (* for all)</option>
                <option value="PREFIXED">PREFIXED: every name starting with it</option>
              </select>
            )}
          </Field>
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
            <DataTable columns={["Principal", "Permission", "Operation", "Resource", "Host"]} actions>
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

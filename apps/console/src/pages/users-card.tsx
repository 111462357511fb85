import { useState } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { KafkaUser } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
import { SelectField } from "../components/select-field.tsx";
import { usePolled } from "../use-polled.ts";
import { useSubmit } from "../use-submit.ts";

type Mechanism = KafkaUser["credentials"][number]["mechanism"];
const MECHANISMS: Mechanism[] = ["SCRAM-SHA-256", "SCRAM-SHA-512"];

function CreateUserForm({ clusterId, onCreated }: { clusterId: string; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [mechanism, setMechanism] = useState<Mechanism>("SCRAM-SHA-256");
  const [done, setDone] = useState<string>();
  const { busy, error, onSubmit } = useSubmit(async () => {
    setDone(undefined);
    await unwrap(
      api.PUT("/v1/clusters/{id}/users/{name}", {
        params: { path: { id: clusterId, name: name.trim() } },
        body: { password, mechanism },
      }),
    );
    setDone(`User ${name.trim()} can log in with ${mechanism}.`);
    setName("");
    setPassword("");
    onCreated();
  });
  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="user-create">
      <h2 id="user-create">Add a user or set a password</h2>
      <Field id="u-name" label="User name" hint="Clients log in as it; ACLs name it User:<name>">
        {(aria) => (
          <input {...aria} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        )}
      </Field>
      <Field id="u-password" label="Password" hint="At least 8 characters; never stored" error={error}>
        {(aria) => (
          <input
            {...aria}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
          />
        )}
      </Field>
      <SelectField
        id="u-mechanism"
        label="Mechanism"
        value={mechanism}
        onChange={setMechanism}
        options={MECHANISMS}
      />
      <button type="submit" className="primary" disabled={busy || name.trim() === ""}>
        {busy ? "Saving…" : "Save user"}
      </button>
      {done && (
        <p className="callout callout-good span-all" role="status">
          {done}
        </p>
      )}
    </form>
  );
}

export function UsersCard({ clusterId }: { clusterId: string }) {
  const users = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/users", { params: { path: { id: clusterId } } }))).items,
    5_000,
    [clusterId],
  );
  return (
    <>
      <CreateUserForm clusterId={clusterId} onCreated={users.reload} />
      <div className="card">
        <h2>SCRAM users</h2>
        <LoadState
          {...users}
          empty={<p>No SCRAM user yet: add one above, or with kafka-configs.sh --entity-type users.</p>}
        >
          {(list) => (
            <DataTable caption="SCRAM users" columns={["User", "Mechanisms"]} actions>
              {list.map((u) => (
                <tr key={u.name}>
                  <th scope="row">{u.name}</th>
                  <td>
                    {u.credentials.map((c) => `${c.mechanism} (${c.iterations} iterations)`).join(", ")}
                  </td>
                  <td>
                    <ConfirmButton
                      label="Delete"
                      danger
                      title={`Delete user ${u.name}?`}
                      body="New logins with it are refused within seconds; open connections stay until they close."
                      confirmLabel="Delete user"
                      action={async () => {
                        await unwrap(
                          api.DELETE("/v1/clusters/{id}/users/{name}", {
                            params: { path: { id: clusterId, name: u.name } },
                          }),
                        );
                        users.reload();
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

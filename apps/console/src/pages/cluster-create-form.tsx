import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, messageOf, unwrap } from "../api/problem.ts";
import type { Cluster } from "../api/types.ts";
import { Field } from "../components/field.tsx";
import { navigate } from "../router.ts";
import {
  defaultObjectStore,
  fieldOfPointer,
  type Key,
  localErrors,
  toRequest,
  type Values,
} from "./cluster-request.ts";

export function ClusterCreateForm(props: {
  existing: Cluster[];
  onCancel: () => void;
  onCreated: () => void;
}) {
  const [values, setValues] = useState<Values>({
    name: "",
    provider: "local",
    region: "local",
    zones: "local-a, local-b, local-c",
    instanceTypes: "local",
    brokersMin: "3",
    brokersMax: "6",
    spotShare: "0",
    onDemandBase: "0",
    highMBps: "50",
    lowMBps: "5",
    cooldownSeconds: "300",
    objectStoreUri: "",
    walVolumeGiB: "1",
    deletionProtection: true,
  });
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const objectStoreUri = values.objectStoreUri || defaultObjectStore(props.existing, values.name);
  const set = (key: Key) => (event: { target: { value: string } }) =>
    setValues((old) => ({ ...old, [key]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    const found = localErrors(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const created = await unwrap(
        api.POST("/v1/clusters", { body: toRequest({ ...values, objectStoreUri }) }),
      );
      props.onCreated();
      navigate(`/clusters/${created.cluster.id}`);
    } catch (failure) {
      const field = failure instanceof ApiProblem ? failure.field : null;
      const key = field ? fieldOfPointer(field.pointer) : undefined;
      if (key && field) setErrors({ [key]: field.message });
      else setFormError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const input =
    (key: Exclude<Key, "provider" | "deletionProtection">, extra: Record<string, unknown> = {}) =>
    (aria: { id: string }) => (
      <input
        {...aria}
        {...extra}
        value={key === "objectStoreUri" ? objectStoreUri : values[key]}
        onChange={set(key)}
      />
    );

  return (
    <form className="card form-grid" onSubmit={submit} noValidate aria-labelledby="create-title">
      <h2 id="create-title">Create a cluster</h2>
      <p className="muted span-all">
        Defaults give a 3-broker cluster on this machine (provider <code>local</code>). On <code>aws</code> or{" "}
        <code>aliyun</code> the control plane needs that cloud's credentials.
      </p>
      <Field
        id="c-name"
        label="Name"
        hint="Lowercase letters, digits and dashes; starts with a letter."
        error={errors.name}
      >
        {input("name", { required: true, autoFocus: true, autoComplete: "off" })}
      </Field>
      <Field id="c-provider" label="Provider" error={errors.provider}>
        {(aria) => (
          <select {...aria} value={values.provider} onChange={set("provider")}>
            <option value="local">local (this machine)</option>
            <option value="aws">aws</option>
            <option value="aliyun">aliyun</option>
          </select>
        )}
      </Field>
      <Field id="c-region" label="Region" error={errors.region}>
        {input("region")}
      </Field>
      <Field id="c-zones" label="Zones" hint="Comma separated." error={errors.zones}>
        {input("zones")}
      </Field>
      <Field
        id="c-types"
        label="Instance types"
        hint="Comma separated, in order of preference."
        error={errors.instanceTypes}
      >
        {input("instanceTypes")}
      </Field>
      <Field id="c-min" label="Brokers: minimum" error={errors.brokersMin}>
        {input("brokersMin", { inputMode: "numeric" })}
      </Field>
      <Field id="c-max" label="Brokers: maximum" error={errors.brokersMax}>
        {input("brokersMax", { inputMode: "numeric" })}
      </Field>
      <Field
        id="c-spot"
        label="Spot share"
        hint="0 to 1: the share of brokers above the on-demand base on spot."
        error={errors.spotShare}
      >
        {input("spotShare", { inputMode: "decimal" })}
      </Field>
      <Field
        id="c-base"
        label="On-demand base"
        hint="Brokers always on on-demand instances."
        error={errors.onDemandBase}
      >
        {input("onDemandBase", { inputMode: "numeric" })}
      </Field>
      <Field id="c-high" label="Scale out above (MB/s per broker)" error={errors.highMBps}>
        {input("highMBps", { inputMode: "decimal" })}
      </Field>
      <Field id="c-low" label="Scale in below (MB/s per broker)" error={errors.lowMBps}>
        {input("lowMBps", { inputMode: "decimal" })}
      </Field>
      <Field id="c-cooldown" label="Scaling cooldown (s)" error={errors.cooldownSeconds}>
        {input("cooldownSeconds", { inputMode: "numeric" })}
      </Field>
      <Field
        id="c-store"
        label="Object store"
        hint="file:///folder or s3://bucket/prefix"
        error={errors.objectStoreUri}
      >
        {input("objectStoreUri")}
      </Field>
      <Field id="c-wal" label="WAL volume (GiB)" error={errors.walVolumeGiB}>
        {input("walVolumeGiB", { inputMode: "numeric" })}
      </Field>
      <div className="field checkbox">
        <input
          id="c-protect"
          type="checkbox"
          checked={values.deletionProtection}
          onChange={(e) => setValues((old) => ({ ...old, deletionProtection: e.target.checked }))}
        />
        <label htmlFor="c-protect">Deletion protection</label>
      </div>
      {formError && (
        <p className="callout callout-bad span-all" role="alert">
          {formError}
        </p>
      )}
      <div className="actions span-all">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create cluster"}
        </button>
      </div>
    </form>
  );
}

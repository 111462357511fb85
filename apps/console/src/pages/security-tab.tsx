import { AclsCard } from "./acls-card.tsx";
import { UsersCard } from "./users-card.tsx";

/**
 * A cluster's Kafka security: its SCRAM users and its ACLs, the store every broker enforces (within ~2 s of a
 * change) when it runs with CIRRUS_AUTHORIZER_ENABLED. Reading needs a viewer token, changing an admin one.
 */
export function SecurityTab({ clusterId }: { clusterId: string }) {
  return (
    <div className="stack">
      <p className="hint">
        Brokers check these ACLs when they run with <code>CIRRUS_AUTHORIZER_ENABLED=true</code>; users log in
        with SASL/SCRAM. Kafka's own tools (<code>kafka-acls.sh</code>, <code>kafka-configs.sh</code>) change
        the same store.
      </p>
      <UsersCard clusterId={clusterId} />
      <AclsCard clusterId={clusterId} />
    </div>
  );
}

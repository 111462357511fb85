import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { CLUSTER_TABS, type ClusterTab, hrefOf } from "../router.ts";
import { useClusterLive } from "../use-cluster-live.ts";
import { BrokerMapTab } from "./broker-map-tab.tsx";
import { GroupsTab } from "./groups-tab.tsx";
import { OverviewTab } from "./overview-tab.tsx";
import { RebalanceTab } from "./rebalance-tab.tsx";
import { SecurityTab } from "./security-tab.tsx";
import { TopicsTab } from "./topics-tab.tsx";

const TAB_LABELS: Readonly<Record<ClusterTab, string>> = {
  overview: "Overview",
  map: "Broker map",
  topics: "Topics",
  groups: "Consumer groups",
  rebalance: "Rebalance",
  security: "Security",
};

/**
 * One cluster: its name and state above tabs for its overview, broker map, topics, groups, rebalance and
 * security (ACLs and SCRAM users). Live over the
 * cluster's event stream (one for every tab), polled only while that is down.
 */
export function ClusterPage({ clusterId, tab }: { clusterId: string; tab: ClusterTab }) {
  const live = useClusterLive(clusterId);
  return (
    <LoadState
      {...live.cluster}
      next={
        <>
          or <Link href="/">see your clusters</Link>: one deleted meanwhile is gone from the list.
        </>
      }
    >
      {(c) => (
        <section>
          <p className="crumbs">
            <Link href="/">Clusters</Link> / {c.name}
          </p>
          <div className="page-head">
            <h1>
              {c.name} <Status state={c.state} />
            </h1>
            <Link className="button" href={hrefOf({ page: "operations", clusterId })}>
              Operations
            </Link>
          </div>
          <nav className="tabs" aria-label="Cluster">
            {CLUSTER_TABS.map((key) => (
              <Link
                key={key}
                href={hrefOf({ page: "cluster", clusterId, tab: key })}
                aria-current={tab === key ? "page" : undefined}
              >
                {TAB_LABELS[key]}
              </Link>
            ))}
          </nav>
          {tab === "overview" && <OverviewTab cluster={c} live={live} />}
          {tab === "map" && <BrokerMapTab clusterId={clusterId} live={live} />}
          {tab === "topics" && <TopicsTab clusterId={clusterId} />}
          {tab === "groups" && <GroupsTab clusterId={clusterId} />}
          {tab === "rebalance" && <RebalanceTab clusterId={clusterId} />}
          {tab === "security" && <SecurityTab clusterId={clusterId} />}
        </section>
      )}
    </LoadState>
  );
}

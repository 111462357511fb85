import { useEffect, useState } from "react";

/** A cluster page's tabs, in the order the page shows them (`/clusters/{id}/{tab}`; overview at `/clusters/{id}`). */
export const CLUSTER_TABS = ["overview", "map", "topics", "groups", "rebalance", "security"] as const;
export type ClusterTab = (typeof CLUSTER_TABS)[number];

const isClusterTab = (name: string): name is ClusterTab => (CLUSTER_TABS as readonly string[]).includes(name);

/** A page address the console knows, parsed from location.pathname. */
export type Route =
  | { page: "clusters" }
  | { page: "cluster"; clusterId: string; tab: ClusterTab }
  | { page: "group"; clusterId: string; group: string }
  | { page: "topic"; clusterId: string; topic: string }
  | { page: "operations"; clusterId?: string }
  | { page: "settings" }
  | { page: "not-found"; path: string };

export function parseRoute(pathname: string, search = ""): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "clusters")) return { page: "clusters" };
  if (parts[0] === "operations" && parts.length === 1) {
    const clusterId = new URLSearchParams(search).get("cluster");
    return clusterId ? { page: "operations", clusterId } : { page: "operations" };
  }
  if (parts[0] === "settings" && parts.length === 1) return { page: "settings" };
  if (parts[0] === "clusters" && parts[1]) {
    const clusterId = parts[1];
    if (parts.length === 2) return { page: "cluster", clusterId, tab: "overview" };
    if (parts[2] === "topics" && parts.length === 4) return { page: "topic", clusterId, topic: parts[3]! };
    if (parts[2] === "groups" && parts.length === 4) return { page: "group", clusterId, group: parts[3]! };
    if (parts.length === 3 && isClusterTab(parts[2]!)) return { page: "cluster", clusterId, tab: parts[2] };
  }
  return { page: "not-found", path: pathname };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case "clusters":
      return "/";
    case "cluster":
      return `/clusters/${route.clusterId}${route.tab === "overview" ? "" : `/${route.tab}`}`;
    case "topic":
      return `/clusters/${route.clusterId}/topics/${encodeURIComponent(route.topic)}`;
    case "group":
      return `/clusters/${route.clusterId}/groups/${encodeURIComponent(route.group)}`;
    case "operations":
      return route.clusterId ? `/operations?cluster=${route.clusterId}` : "/operations";
    case "settings":
      return "/settings";
    case "not-found":
      return route.path;
  }
}

export function navigate(href: string): void {
  history.pushState(null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname, location.search));
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return route;
}

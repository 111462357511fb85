import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hrefOf, parseRoute, type Route } from "../src/router.ts";

describe("console routes", () => {
  const id = "4f0e0c1e-0000-4000-8000-000000000000";
  it("parses every page address and writes it back the same", () => {
    const routes: Route[] = [
      { page: "clusters" },
      { page: "cluster", clusterId: id, tab: "overview" },
      { page: "cluster", clusterId: id, tab: "map" },
      { page: "cluster", clusterId: id, tab: "topics" },
      { page: "cluster", clusterId: id, tab: "rebalance" },
      { page: "cluster", clusterId: id, tab: "groups" },
      { page: "cluster", clusterId: id, tab: "security" },
      { page: "topic", clusterId: id, topic: "orders.v1" },
      { page: "group", clusterId: id, group: "billing service" },
      { page: "operations" },
      { page: "operations", clusterId: id },
      { page: "settings" },
    ];
    for (const route of routes) {
      const href = hrefOf(route);
      const url = new URL(href, "http://x");
      assert.deepEqual(parseRoute(url.pathname, url.search), route, href);
    }
  });
  it("keeps an odd topic name intact through its address", () => {
    const route: Route = { page: "topic", clusterId: id, topic: "a/b c%" };
    assert.deepEqual(parseRoute(new URL(hrefOf(route), "http://x").pathname), route);
  });
  it("says not-found for an address it does not know", () => {
    assert.deepEqual(parseRoute("/clusters/x/nope"), { page: "not-found", path: "/clusters/x/nope" });
    assert.deepEqual(parseRoute("/settings/extra"), { page: "not-found", path: "/settings/extra" });
  });
});

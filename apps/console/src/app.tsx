import { useEffect, useState } from "react";
import { currentToken, onTokenChange, setToken } from "./api/session.ts";
import { Link } from "./components/link.tsx";
import { TokenExpiryBanner } from "./components/token-expiry-banner.tsx";
import { ClusterPage } from "./pages/cluster-page.tsx";
import { ClustersPage } from "./pages/clusters-page.tsx";
import { GroupPage } from "./pages/group-page.tsx";
import { LoginPage } from "./pages/login-page.tsx";
import { OperationsPage } from "./pages/operations-page.tsx";
import { SettingsPage } from "./pages/settings-page.tsx";
import { TopicPage } from "./pages/topic-page.tsx";
import { type Route, useRoute } from "./router.ts";

function useToken(): string | null {
  const [token, setState] = useState(currentToken);
  useEffect(() => onTokenChange(() => setState(currentToken())), []);
  return token;
}

function PageFor({ route }: { route: Route }) {
  switch (route.page) {
    case "clusters":
      return <ClustersPage />;
    case "cluster":
      return <ClusterPage clusterId={route.clusterId} tab={route.tab} />;
    case "topic":
      return <TopicPage clusterId={route.clusterId} topic={route.topic} />;
    case "group":
      return <GroupPage clusterId={route.clusterId} group={route.group} />;
    case "operations":
      return <OperationsPage {...(route.clusterId ? { clusterId: route.clusterId } : {})} />;
    case "settings":
      return <SettingsPage />;
    case "not-found":
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link href="/">See your clusters</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const token = useToken();
  const route = useRoute();
  if (!token) return <LoginPage />;
  const section =
    route.page === "cluster" || route.page === "topic" || route.page === "group" ? "clusters" : route.page;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          Cirrus
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={section === "clusters" ? "page" : undefined}>
            Clusters
          </Link>
          <Link href="/operations" aria-current={section === "operations" ? "page" : undefined}>
            Operations
          </Link>
          <Link href="/settings" aria-current={section === "settings" ? "page" : undefined}>
            Settings
          </Link>
        </nav>
        <button type="button" className="ghost" onClick={() => setToken(null)}>
          Sign out
        </button>
      </header>
      <main id="main">
        <TokenExpiryBanner />
        <PageFor route={route} />
      </main>
    </div>
  );
}

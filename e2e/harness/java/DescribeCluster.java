// Admin.describeCluster with Kafka's Java AdminClient, for e2e/test/kafka4-tools.test.ts (run in the JVM's
// source-file mode with either release's jars). Prints "cluster <id>", "controller <id>" and one "node <id>
// <host>:<port>" line per broker, by id. Any error exits non-zero.
import java.util.Comparator;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

public class DescribeCluster {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DescribeCluster <bootstrap>");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      DescribeClusterResult cluster = admin.describeCluster();
      System.out.println("cluster " + cluster.clusterId().get());
      System.out.println("controller " + cluster.controller().get().id());
      cluster.nodes().get().stream()
          .sorted(Comparator.comparingInt(Node::id))
          .forEach(n -> System.out.println("node " + n.id() + " " + n.host() + ":" + n.port()));
    }
  }
}

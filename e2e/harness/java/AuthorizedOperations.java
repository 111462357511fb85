// What Kafka 3.9.1's Java AdminClient reports as authorized operations (KIP-430), for
// e2e/test/authorized-operations-java.test.ts, run in the JVM's source-file mode. Logs in with SASL/PLAIN as
// `user` and prints one line per resource, the operations sorted by name ("null" when the client did not ask):
//   topic <name> <ops>          describeTopics(includeAuthorizedOperations(true))
//   topic-unasked <name> <ops>  describeTopics() without it
//   cluster <ops>               describeCluster(includeAuthorizedOperations(true))
//   cluster-unasked <ops>       describeCluster()
//   group <id> <ops>            describeConsumerGroups(includeAuthorizedOperations(true))
// Any error exits non-zero.
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;

public class AuthorizedOperations {
  static String sorted(Set<AclOperation> ops) {
    if (ops == null) return "null";
    TreeSet<String> names = new TreeSet<>();
    for (AclOperation op : ops) names.add(op.name());
    return String.join(",", names);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: AuthorizedOperations <bootstrap> <user> <password> <topic> <group>");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + args[1] + "\" password=\"" + args[2] + "\";");
    String topic = args[3];
    String group = args[4];
    try (Admin admin = Admin.create(props)) {
      TopicDescription asked = admin
          .describeTopics(List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(true))
          .allTopicNames().get().get(topic);
      System.out.println("topic " + topic + " " + sorted(asked.authorizedOperations()));
      TopicDescription unasked = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      System.out.println("topic-unasked " + topic + " " + sorted(unasked.authorizedOperations()));
      Set<AclOperation> cluster = admin
          .describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
          .authorizedOperations().get();
      System.out.println("cluster " + sorted(cluster));
      System.out.println("cluster-unasked " + sorted(admin.describeCluster().authorizedOperations().get()));
      ConsumerGroupDescription described = admin
          .describeConsumerGroups(
              List.of(group), new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
          .all().get().get(group);
      System.out.println("group " + group + " " + sorted(described.authorizedOperations()));
    }
  }
}

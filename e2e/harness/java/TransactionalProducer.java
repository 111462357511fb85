// A Java transactional producer for e2e/test/kafka-tools.test.ts (Kafka 3.9.1) and kafka4-tools.test.ts (4.4.0),
// run in the JVM's source-file mode (`java -cp <kafka jars> TransactionalProducer.java …`): one transaction of
// `count` records "<prefix>-committed-i" that commits, then one of `count` records "<prefix>-aborted-i" that
// aborts, all on partition 0 of `topic`.
// Prints "committed <count>" and "aborted <count>" once each transaction has ended; any error exits non-zero.
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

public class TransactionalProducer {
  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println("usage: TransactionalProducer <bootstrap> <topic> <transactional-id> <prefix> <count>");
      System.exit(2);
    }
    String topic = args[1];
    String prefix = args[3];
    int count = Integer.parseInt(args[4]);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[2]);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, 0, null, prefix + "-committed-" + i));
      producer.commitTransaction();
      System.out.println("committed " + count);
      producer.beginTransaction();
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, 0, null, prefix + "-aborted-" + i));
      producer.flush();
      producer.abortTransaction();
      System.out.println("aborted " + count);
    }
  }
}

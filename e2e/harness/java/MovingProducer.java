// A Java producer (Kafka 3.9.1 client) for e2e/test/move-leader-hint-java.test.ts: sends one record at a time to
// partition 0 of `topic`, each awaited, and prints "acked <i>" per ack until it is killed. The producer's Sender
// logs at TRACE and its NetworkClient at DEBUG (to stderr), so the test can see KIP-951 at work: "For <tp> leader
// was updated." is logged only when a refusal's currentLeader and nodeEndpoints updated the client's metadata.
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;

public class MovingProducer {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: MovingProducer <bootstrap> <topic>");
      System.exit(2);
    }
    Logger.getLogger("org.apache.kafka.clients.producer.internals.Sender").setLevel(Level.TRACE);
    Logger.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.DEBUG);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; ; i++) {
        producer.send(new ProducerRecord<>(args[1], 0, null, "v" + i)).get();
        System.out.println("acked " + i);
        Thread.sleep(10);
      }
    }
  }
}

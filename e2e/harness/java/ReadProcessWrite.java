// A Kafka 3.9.1 exactly-once read-process-write loop for e2e/test/exactly-once-java.test.ts, written the way Kafka's documentation
// (KafkaProducer, "exactly once") describes it:
//   - a consumer of <input> in group <group> (static member <instance>: a restarted instance takes the killed
//     one's place at once) with isolation.level=read_committed and enable.auto.commit=false;
//   - a transactional producer with the fixed transactional.id <txn-id> (a restart fences the killed epoch and
//     aborts its open transaction in initTransactions);
//   - per poll: beginTransaction, produce "out:<value>" with the same key to the same partition of <output>,
//     flush, "process" for <process-ms>, sendOffsetsToTransaction(consumer.groupMetadata()), commitTransaction.
// ProducerFenced / OutOfOrderSequence / Authorization errors are fatal (exit 3); any other KafkaException aborts
// the transaction and rewinds the consumer to the group's committed offsets.
// Prints "ready" after initTransactions, "begun <n>" once a transaction's n records are handed to the producer,
// "sent <n>" once the broker has them (flush), "offsets <n>" once the group coordinator has the transaction's
// offsets (sendOffsetsToTransaction returned), "committed <n>" after each commit, and "done <total>" then exits 0
// once the consumer's position has reached the end of every partition of <input>. With [pause-once-ms], the
// first transaction waits that long between "offsets" and commitTransaction (a test moves the coordinator then).
// The test compiles it once with javac (harness/java-tools.ts compileKafkaJava) and runs the class.
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class ReadProcessWrite {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 8 && args.length != 9) {
      System.err.println(
          "usage: ReadProcessWrite <bootstrap> <input> <output> <group> <instance> <txn-id> <max-poll> <process-ms>"
              + " [pause-once-ms]");
      System.exit(2);
    }
    long pauseOnceMs = args.length == 9 ? Long.parseLong(args[8]) : 0;
    String input = args[1];
    String output = args[2];
    long processMs = Long.parseLong(args[7]);

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, args[3]);
    c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, args[4]);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, args[6]);
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[5]);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());

    KafkaProducer<String, String> producer = new KafkaProducer<>(p);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
    long total = 0;
    try {
      // Fences any earlier instance with this transactional.id and aborts its open transaction before
      // the consumer fetches the group's committed offsets.
      producer.initTransactions();
      System.out.println("ready");
      System.out.flush();
      consumer.subscribe(List.of(input));
      Set<TopicPartition> all =
          consumer.partitionsFor(input).stream()
              .map(info -> new TopicPartition(input, info.partition()))
              .collect(Collectors.toSet());
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          try {
            producer.beginTransaction();
            for (ConsumerRecord<String, String> r : records)
              producer.send(new ProducerRecord<>(output, r.partition(), r.key(), "out:" + r.value()));
            System.out.println("begun " + records.count());
            System.out.flush();
            // The records are in the output's log now, in the open transaction (commitTransaction would flush
            // them too; flushing here lets the test tell a kill that leaves them aborted).
            producer.flush();
            System.out.println("sent " + records.count());
            System.out.flush();
            if (processMs > 0) Thread.sleep(processMs);
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            System.out.println("offsets " + records.count());
            System.out.flush();
            if (pauseOnceMs > 0) {
              Thread.sleep(pauseOnceMs);
              pauseOnceMs = 0;
            }
            producer.commitTransaction();
            total += records.count();
            System.out.println("committed " + records.count());
            System.out.flush();
          } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException fatal) {
            throw fatal;
          } catch (KafkaException e) {
            System.err.println("aborting after " + e);
            producer.abortTransaction();
            rewindToCommitted(consumer);
            continue;
          }
        }
        if (reachedEnd(consumer, all)) break;
      }
      System.out.println("done " + total);
      System.out.flush();
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException fatal) {
      System.err.println("fatal: " + fatal);
      System.exit(3);
    } finally {
      consumer.close(Duration.ofSeconds(5));
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** The offset after the last record of each partition in this poll: what the group resumes from. */
  static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, String> records) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<String, String>> rs = records.records(tp);
      out.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
    }
    return out;
  }

  /** After an abort the records of the poll were not processed: resume from the group's committed offsets. */
  static void rewindToCommitted(KafkaConsumer<String, String> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata at = committed.get(tp);
      if (at != null) consumer.seek(tp, at);
      else consumer.seekToBeginning(List.of(tp));
    }
  }

  /** True when this instance owns every partition of the input and has consumed each one to its end. */
  static boolean reachedEnd(KafkaConsumer<String, String> consumer, Set<TopicPartition> all) {
    if (!consumer.assignment().equals(all)) return false;
    Map<TopicPartition, Long> ends = consumer.endOffsets(all);
    for (TopicPartition tp : all) if (consumer.position(tp) < ends.get(tp)) return false;
    return true;
  }
}

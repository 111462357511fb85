/*
 * OpenMessaging-style workload on librdkafka: one topic, fixed-size records, acks=all.
 * A producer sends for <seconds> at <rate> records/s (0 = as fast as possible); a consumer in
 * the same process reads the same partitions from their current end. Each record carries its
 * send time, so the program reports produce (ack) latency and end-to-end latency percentiles.
 * Prints one JSON line. usage:
 *   rdkafka-openmessaging <bootstrap> <topic> <partitions> <recordBytes> <seconds> <rate> [consume=1]
 * With consume=0 only the producer runs (for references that keep no data, like the mock cluster).
 * cpuSeconds (user + system of this process, all threads) against seconds tells whether the load generator
 * itself was the bottleneck.
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_SAMPLES 20000000

static uint32_t *ack_us, *e2e_us;
static atomic_long ack_n, e2e_n, errors, sent_total;
static atomic_int producing_done;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    atomic_fetch_add(&errors, 1);
    return;
  }
  int64_t sent;
  memcpy(&sent, m->payload, sizeof sent);
  long i = atomic_fetch_add(&ack_n, 1);
  if (i < MAX_SAMPLES) ack_us[i] = (uint32_t)(now_us() - sent);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, long n, double p) {
  if (n <= 0) return -1;
  long i = (long)(p * (double)(n - 1));
  return v[i] / 1000.0;
}

struct consumer_args {
  const char *bootstrap, *topic;
  int partitions;
};

static void *consume(void *arg) {
  struct consumer_args *a = arg;
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", a->bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "cirrus-bench", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "100", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.min.bytes", "1", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(a->partitions);
  for (int p = 0; p < a->partitions; p++) {
    int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(rk, a->topic, p, &lo, &hi, 10000);
    rd_kafka_topic_partition_list_add(list, a->topic, p)->offset = hi;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  int64_t idle_since = 0;
  for (;;) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m) {
      if (!m->err && m->len >= 8) {
        int64_t sent;
        memcpy(&sent, m->payload, sizeof sent);
        long i = atomic_fetch_add(&e2e_n, 1);
        if (i < MAX_SAMPLES) e2e_us[i] = (uint32_t)(now_us() - sent);
      }
      rd_kafka_message_destroy(m);
      idle_since = 0;
    }
    if (atomic_load(&producing_done)) {
      if (atomic_load(&e2e_n) >= atomic_load(&sent_total)) break;
      if (!m) {
        if (!idle_since) idle_since = now_us();
        if (now_us() - idle_since > 5000000) break;
      }
    }
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s <bootstrap> <topic> <partitions> <recordBytes> <seconds> <rate>\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1], *topic = argv[2];
  int partitions = atoi(argv[3]);
  int size = atoi(argv[4]);
  double seconds = atof(argv[5]);
  double rate = atof(argv[6]);
  int consume_too = argc > 7 ? atoi(argv[7]) : 1;
  if (size < 8) size = 8;
  ack_us = malloc(sizeof(uint32_t) * MAX_SAMPLES);
  e2e_us = malloc(sizeof(uint32_t) * MAX_SAMPLES);

  struct consumer_args ca = {bootstrap, topic, partitions};
  pthread_t consumer;
  if (consume_too) {
    pthread_create(&consumer, NULL, consume, &ca);
    struct timespec warm = {1, 0};
    nanosleep(&warm, NULL); /* let the consumer take its positions first */
  }

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "acks", "all", err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
  rd_kafka_conf_set(conf, "batch.size", "1048576", err, sizeof err);
  rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", "262144", err, sizeof err);
  rd_kafka_conf_set(conf, "compression.type", "none", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "producer: %s\n", err);
    return 1;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  char *payload = malloc(size);
  memset(payload, 'x', size);

  int64_t start = now_us(), end = start + (int64_t)(seconds * 1e6);
  long n = 0;
  for (;;) {
    int64_t t = now_us();
    if (t >= end) break;
    if (rate > 0) {
      long due = (long)((double)(t - start) * rate / 1e6);
      if (n >= due) {
        rd_kafka_poll(rk, 0);
        struct timespec ns = {0, 200000};
        nanosleep(&ns, NULL);
        continue;
      }
    }
    memcpy(payload, &t, sizeof t);
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, &n, sizeof n, NULL) == -1) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        atomic_fetch_add(&errors, 1);
        break;
      }
      rd_kafka_poll(rk, 1);
    }
    n++;
    if ((n & 255) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  int64_t finished = now_us();
  atomic_store(&sent_total, n);
  atomic_store(&producing_done, 1);
  if (consume_too) pthread_join(consumer, NULL);

  long acks = atomic_load(&ack_n), e2es = atomic_load(&e2e_n);
  if (acks > MAX_SAMPLES) acks = MAX_SAMPLES;
  if (e2es > MAX_SAMPLES) e2es = MAX_SAMPLES;
  qsort(ack_us, acks, sizeof(uint32_t), cmp_u32);
  qsort(e2e_us, e2es, sizeof(uint32_t), cmp_u32);
  double secs = (finished - start) / 1e6;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("{\"records\":%ld,\"acked\":%ld,\"consumed\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"mibPerSec\":%.2f,"
         "\"produceP50Ms\":%.3f,\"produceP99Ms\":%.3f,\"e2eP50Ms\":%.3f,\"e2eP99Ms\":%.3f,\"cpuSeconds\":%.3f}\n",
         n, atomic_load(&ack_n), atomic_load(&e2e_n), atomic_load(&errors), secs,
         (double)atomic_load(&ack_n) * size / secs / 1048576.0, pct(ack_us, acks, 0.5), pct(ack_us, acks, 0.99),
         pct(e2e_us, e2es, 0.5), pct(e2e_us, e2es, 0.99), cpu);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}

/*
 * Starts librdkafka's in-memory mock cluster (no I/O: the reference ceiling for the produce
 * benchmark), creates one topic, prints `bootstrap: HOST:PORT` and runs until stdin closes.
 * usage: rdkafka-mock-cluster <brokers> <topic> <partitions>
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <brokers> <topic> <partitions>\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, atoi(argv[1]));
  if (!mc) {
    fprintf(stderr, "mock cluster could not start\n");
    return 1;
  }
  if (rd_kafka_mock_topic_create(mc, argv[2], atoi(argv[3]), 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "topic create failed\n");
    return 1;
  }
  printf("bootstrap: %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

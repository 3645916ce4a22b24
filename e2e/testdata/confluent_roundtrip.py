"""Round trip through confluent-kafka-python (librdkafka) for the e2e tests.

Usage: confluent_roundtrip.py BOOTSTRAP TOPIC N COMPRESSION

Creates TOPIC with 3 partitions (AdminClient), produces N records
"key-<i mod 50>" -> "value-<i>" with an idempotent acks=all producer,
reads them back by assignment (no consumer group), lists each partition's
low/high watermarks, deletes the topic, and prints one JSON object:
{"client", "delivered": [{p,o,k,v}], "records": [{p,o,k,v}],
 "watermarks": {partition: [low, high]}}.
Any failure raises, so the exit status is non-zero.
"""
import json
import sys
import time

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaException,
                             Producer, TopicPartition, libversion, version)
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 3
TIMEOUT = 30.0


def wait_for_topic(admin, topic):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        md = admin.list_topics(topic=topic, timeout=5)
        t = md.topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == PARTITIONS and \
                all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.05)
    raise RuntimeError("topic %s has no %d led partitions" % (topic, PARTITIONS))


def produce(bootstrap, topic, n, compression):
    delivered, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
            return
        delivered.append({"p": msg.partition(), "o": msg.offset(),
                          "k": msg.key().decode(), "v": msg.value().decode()})

    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                  "acks": "all", "compression.type": compression, "linger.ms": 5})
    for i in range(n):
        p.produce(topic, key=b"key-%d" % (i % 50), value=b"value-%d" % i, on_delivery=on_delivery)
        p.poll(0)
    left = p.flush(TIMEOUT)
    if left or errors:
        raise RuntimeError("%d records undelivered, errors: %s" % (left, errors[:5]))
    return delivered


def consume(bootstrap, topic, n):
    # confluent-kafka needs a group.id even when nothing uses the group:
    # partitions are assigned directly and nothing is committed.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "e2e-unused-" + topic,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    records, deadline = [], time.time() + TIMEOUT
    while len(records) < n and time.time() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        records.append({"p": msg.partition(), "o": msg.offset(),
                        "k": msg.key().decode(), "v": msg.value().decode()})
    watermarks = {}
    for p in range(PARTITIONS):
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)
        watermarks[p] = [low, high]
    c.close()
    return records, watermarks


def main():
    bootstrap, topic, n, compression = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(TIMEOUT)
    wait_for_topic(admin, topic)
    delivered = produce(bootstrap, topic, n, compression)
    records, watermarks = consume(bootstrap, topic, n)
    admin.delete_topics([topic], operation_timeout=TIMEOUT)[topic].result(TIMEOUT)
    print(json.dumps({"client": "confluent-kafka %s, librdkafka %s" % (version()[0], libversion()[0]),
                      "delivered": delivered, "records": records, "watermarks": watermarks}))


if __name__ == "__main__":
    main()

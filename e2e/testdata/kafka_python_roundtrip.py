"""Round trip through kafka-python for the e2e tests.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC N COMPRESSION

Creates TOPIC with 3 partitions (KafkaAdminClient), produces N records
"key-<i mod 50>" -> "value-<i>" with acks=all (kafka-python 2.0 has no
idempotent producer), reads them back by assignment (group_id=None), lists
each partition's beginning/end offsets, deletes the topic, and prints one
JSON object: {"client", "delivered": [{p,o,k,v}], "records": [{p,o,k,v}],
"watermarks": {partition: [low, high]}}. Any failure raises, so the exit
status is non-zero. COMPRESSION "none" or a codec kafka-python can write
without extra modules (gzip).
"""
import json
import sys
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

PARTITIONS = 3
TIMEOUT = 30.0


def wait_for_topic(bootstrap, topic):
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    deadline = time.time() + TIMEOUT
    try:
        while time.time() < deadline:
            parts = c.partitions_for_topic(topic)
            if parts is not None and len(parts) == PARTITIONS:
                return
            time.sleep(0.05)
            c._client.cluster.request_update()
        raise RuntimeError("topic %s does not have %d partitions" % (topic, PARTITIONS))
    finally:
        c.close()


def produce(bootstrap, topic, n, compression):
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                      compression_type=None if compression == "none" else compression, linger_ms=5)
    futures = [(i, p.send(topic, key=b"key-%d" % (i % 50), value=b"value-%d" % i)) for i in range(n)]
    p.flush(TIMEOUT)
    delivered = []
    for i, f in futures:
        md = f.get(timeout=TIMEOUT)
        delivered.append({"p": md.partition, "o": md.offset, "k": "key-%d" % (i % 50), "v": "value-%d" % i})
    p.close(TIMEOUT)
    return delivered


def consume(bootstrap, topic, n):
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    c.assign(tps)
    c.seek_to_beginning(*tps)
    records, deadline = [], time.time() + TIMEOUT
    while len(records) < n and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=500).items():
            for m in msgs:
                records.append({"p": m.partition, "o": m.offset, "k": m.key.decode(), "v": m.value.decode()})
    low, high = c.beginning_offsets(tps), c.end_offsets(tps)
    c.close()
    return records, {tp.partition: [low[tp], high[tp]] for tp in tps}


def main():
    bootstrap, topic, n, compression = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name=topic, num_partitions=PARTITIONS, replication_factor=1)])
    wait_for_topic(bootstrap, topic)
    delivered = produce(bootstrap, topic, n, compression)
    records, watermarks = consume(bootstrap, topic, n)
    admin.delete_topics([topic], timeout_ms=int(TIMEOUT * 1000))
    admin.close()
    print(json.dumps({"client": "kafka-python %s" % kafka.__version__,
                      "delivered": delivered, "records": records, "watermarks": watermarks}))


if __name__ == "__main__":
    main()

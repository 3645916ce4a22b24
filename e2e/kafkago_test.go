package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestKafkaGo round-trips segmentio/kafka-go with each compression codec
// (applied by kafka-go itself): Client.CreateTopics, a Writer with the
// Hash balancer and acks=all, one Reader per partition (no group),
// Client.ListOffsets and Client.DeleteTopics.
func TestKafkaGo(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	transport := &kafka.Transport{ClientID: "skiff-e2e"}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(b.addr()), Timeout: clientTimeout, Transport: transport}
	codecs := []kafka.Compression{0, kafka.Gzip, kafka.Snappy, kafka.Lz4, kafka.Zstd}
	for _, codec := range codecs {
		name := "none"
		if codec != 0 {
			name = codec.String()
		}
		t.Run(name, func(t *testing.T) {
			ctx := ctxFor(t, clientTimeout)
			topic := topicName(t)
			created, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
				Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}}})
			if err == nil {
				err = created.Errors[topic]
			}
			if err != nil {
				t.Fatalf("kafka-go create topic: %v", err)
			}
			waitTopic(t, b.admin(t), topic, 3)

			const n = 300
			w := &kafka.Writer{Addr: kafka.TCP(b.addr()), Topic: topic, Balancer: &kafka.Hash{},
				RequiredAcks: kafka.RequireAll, Compression: codec, Transport: transport,
				BatchSize: 50, BatchTimeout: 5 * time.Millisecond}
			msgs := make([]kafka.Message, n)
			for i := range msgs {
				msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "key-%d", i%50), Value: fmt.Appendf(nil, "value-%d", i)}
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatalf("kafka-go write: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("kafka-go writer close: %v", err)
			}

			ends := kafkaGoOffsets(t, ctx, client, topic)
			checkKeyedRecords(t, kafkaGoRead(t, ctx, b.addr(), topic, ends), n)

			deleted, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
			if err == nil {
				err = deleted.Errors[topic]
			}
			if err != nil {
				t.Fatalf("kafka-go delete topic: %v", err)
			}
		})
	}
}

// kafkaGoOffsets lists each partition's first and last offset and returns
// the last ones (the end offsets), checking that every first offset is 0.
func kafkaGoOffsets(t *testing.T, ctx context.Context, client *kafka.Client, topic string) map[int]int64 {
	t.Helper()
	var reqs []kafka.OffsetRequest
	for p := range 3 {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("kafka-go list offsets: %v", err)
	}
	ends := map[int]int64{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil || po.FirstOffset != 0 {
			t.Fatalf("kafka-go list offsets, partition %d: first %d, %v", po.Partition, po.FirstOffset, po.Error)
		}
		ends[po.Partition] = po.LastOffset
	}
	if len(ends) != 3 {
		t.Fatalf("kafka-go list offsets: %d partitions; want 3", len(ends))
	}
	return ends
}

// kafkaGoRead reads each partition from its first offset up to its end
// with a Reader of its own (no consumer group).
func kafkaGoRead(t *testing.T, ctx context.Context, addr, topic string, ends map[int]int64) []consumedRecord {
	t.Helper()
	var out []consumedRecord
	for p, end := range ends {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: p,
			MaxWait: 100 * time.Millisecond})
		for next := int64(0); next < end; next++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("kafka-go read partition %d at %d: %v", p, next, err)
			}
			out = append(out, consumedRecord{Partition: int32(m.Partition), Offset: m.Offset, Key: string(m.Key), Value: string(m.Value)})
		}
		if err := r.Close(); err != nil {
			t.Fatalf("kafka-go reader close: %v", err)
		}
	}
	return out
}

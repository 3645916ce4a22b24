package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestSarama round-trips IBM/sarama (protocol 2.8.0, its default) with
// each compression codec, which sarama applies itself: admin create,
// idempotent acks=all SyncProducer, a partition consumer per partition,
// GetOffset (ListOffsets) and admin delete.
func TestSarama(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	codecs := []sarama.CompressionCodec{sarama.CompressionNone, sarama.CompressionGZIP,
		sarama.CompressionSnappy, sarama.CompressionLZ4, sarama.CompressionZSTD}
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			topic := topicName(t)
			cfg := saramaConfig(codec)
			admin, err := sarama.NewClusterAdmin([]string{b.addr()}, cfg)
			if err != nil {
				t.Fatalf("sarama admin: %v", err)
			}
			defer admin.Close()
			if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
				t.Fatalf("sarama create topic: %v", err)
			}
			client, err := sarama.NewClient([]string{b.addr()}, cfg)
			if err != nil {
				t.Fatalf("sarama client: %v", err)
			}
			defer client.Close()
			waitSaramaTopic(t, client, topic)

			const n = 300
			delivered := saramaProduce(t, client, topic, n)
			counts := map[int32]int64{}
			for _, d := range delivered {
				counts[d.Partition]++
			}
			read := saramaConsume(t, client, topic, counts)
			checkKeyedRecords(t, read, n)
			checkDelivered(t, delivered, read)
			for p := int32(0); p < 3; p++ {
				oldest, err1 := client.GetOffset(topic, p, sarama.OffsetOldest)
				newest, err2 := client.GetOffset(topic, p, sarama.OffsetNewest)
				if err1 != nil || err2 != nil || oldest != 0 || newest != counts[p] {
					t.Errorf("partition %d: GetOffset oldest %d (%v), newest %d (%v); want 0 and %d", p, oldest, err1, newest, err2, counts[p])
				}
			}
			if err := admin.DeleteTopic(topic); err != nil {
				t.Fatalf("sarama delete topic: %v", err)
			}
		})
	}
}

func saramaConfig(codec sarama.CompressionCodec) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "skiff-e2e"
	cfg.Version = sarama.V2_8_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1 // required by sarama's idempotent producer
	cfg.Producer.Return.Successes = true
	cfg.Producer.Compression = codec
	cfg.Metadata.Retry.Backoff = 50 * time.Millisecond
	return cfg
}

// waitSaramaTopic waits (bounded) until sarama sees 3 led partitions.
func waitSaramaTopic(t *testing.T, client sarama.Client, topic string) {
	t.Helper()
	deadline := time.Now().Add(clientTimeout)
	for {
		err := client.RefreshMetadata(topic)
		if err == nil {
			parts, perr := client.Partitions(topic)
			if perr == nil && len(parts) == 3 {
				return
			}
			err = fmt.Errorf("partitions %v: %v", parts, perr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("sarama: topic %s not ready: %v", topic, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// saramaProduce sends n keyed records in one SendMessages call and returns
// what sarama reported for each.
func saramaProduce(t *testing.T, client sarama.Client, topic string, n int) []consumedRecord {
	t.Helper()
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		t.Fatalf("sarama producer: %v", err)
	}
	defer prod.Close()
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range msgs {
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("key-%d", i%50)),
			Value: sarama.StringEncoder(fmt.Sprintf("value-%d", i))}
	}
	if err := prod.SendMessages(msgs); err != nil {
		t.Fatalf("sarama produce: %v", err)
	}
	out := make([]consumedRecord, n)
	for i, m := range msgs {
		out[i] = consumedRecord{Partition: m.Partition, Offset: m.Offset, Key: fmt.Sprintf("key-%d", i%50), Value: fmt.Sprintf("value-%d", i)}
	}
	return out
}

// saramaConsume reads counts[p] records from each partition p from the oldest offset.
func saramaConsume(t *testing.T, client sarama.Client, topic string, counts map[int32]int64) []consumedRecord {
	t.Helper()
	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatalf("sarama consumer: %v", err)
	}
	defer cons.Close()
	var out []consumedRecord
	for p := int32(0); p < 3; p++ {
		pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("sarama consume partition %d: %v", p, err)
		}
		timeout := time.After(clientTimeout)
		for got := int64(0); got < counts[p]; got++ {
			select {
			case m := <-pc.Messages():
				out = append(out, consumedRecord{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: string(m.Value)})
			case err := <-pc.Errors():
				t.Fatalf("sarama consume partition %d: %v", p, err)
			case <-timeout:
				t.Fatalf("sarama: partition %d gave %d of %d records within %v", p, got, counts[p], clientTimeout)
			}
		}
		pc.Close()
	}
	return out
}

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// clientTimeout bounds one client step (create a topic, consume a topic).
const clientTimeout = 60 * time.Second

// client is a franz-go client of the broker, closed at the end of the test.
func (b *broker) client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.addr())}, opts...)...)
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// producer is a franz-go client (idempotent, acks=all) that sends each
// record to the partition the record names, closed at the end of the test.
func (b *broker) producer(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	return b.client(t, append([]kgo.Opt{kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)...)
}

// admin is a kadm client of the broker, closed at the end of the test.
func (b *broker) admin(t testing.TB) *kadm.Client {
	return kadm.NewClient(b.client(t))
}

// topicName is a topic name unique to the test.
func topicName(t testing.TB) string {
	name := regexp.MustCompile(`[^a-zA-Z0-9._-]+`).ReplaceAllString(t.Name(), "-")
	return strings.ToLower(strings.Trim(name, "-"))
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// createTopic creates a topic with replication factor 1 and waits until
// every partition has a leader in the metadata.
func createTopic(t testing.TB, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	ctx := ctxFor(t, clientTimeout)
	resp, err := adm.CreateTopic(ctx, partitions, 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	waitTopic(t, adm, topic, partitions)
}

// waitTopic waits (bounded) until topic has n partitions, each with a leader.
func waitTopic(t testing.TB, adm *kadm.Client, topic string, n int32) {
	t.Helper()
	ctx := ctxFor(t, clientTimeout)
	for {
		md, err := adm.Metadata(ctx, topic)
		if err == nil {
			if td, ok := md.Topics[topic]; ok && td.Err == nil && int32(len(td.Partitions)) == n && allLed(td) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("topic %s has no %d led partitions after %v (last error %v)", topic, n, clientTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func allLed(td kadm.TopicDetail) bool {
	for _, p := range td.Partitions {
		if p.Leader < 0 || p.Err != nil {
			return false
		}
	}
	return true
}

// endOffsets returns each partition's log end offset (high watermark).
func endOffsets(t testing.TB, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	offs, err := adm.ListEndOffsets(ctxFor(t, clientTimeout), topic)
	if err == nil {
		err = offs.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	out := map[int32]int64{}
	offs.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// consumeAll reads every partition of topic from offset 0 up to the end
// offsets it has now, and returns the records by partition.
func consumeAll(t testing.TB, b *broker, topic string) map[int32][]*kgo.Record {
	t.Helper()
	ends := endOffsets(t, b.admin(t), topic)
	return consumeUpTo(t, b, topic, ends)
}

// consumeUpTo reads each partition from offset 0 up to (not including) its
// end offset in ends.
func consumeUpTo(t testing.TB, b *broker, topic string, ends map[int32]int64) map[int32][]*kgo.Record {
	t.Helper()
	starts := map[int32]kgo.Offset{}
	for p := range ends {
		starts[p] = kgo.NewOffset().At(0)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: starts}),
		kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(16<<20))
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
	defer cl.Close()
	ctx := ctxFor(t, clientTimeout)
	out := map[int32][]*kgo.Record{}
	next := map[int32]int64{}
	for !caughtUp(next, ends) {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: only reached %v of %v within %v", topic, next, ends, clientTimeout)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("consume %s[%d]: %v", topic, p, err)
		})
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset < ends[r.Partition] {
				out[r.Partition] = append(out[r.Partition], r)
			}
			next[r.Partition] = r.Offset + 1
		})
	}
	return out
}

func caughtUp(next, ends map[int32]int64) bool {
	for p, end := range ends {
		if next[p] < end {
			return false
		}
	}
	return true
}

// values returns the records' values as strings.
func values(rs []*kgo.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.Value)
	}
	return out
}

// produceSync produces records with the given values to one partition,
// each with key "k<value>", and fails the test on any error. cl must
// partition manually (broker.producer).
func produceSync(t testing.TB, cl *kgo.Client, topic string, partition int32, vals ...string) []*kgo.Record {
	t.Helper()
	var rs []*kgo.Record
	for _, v := range vals {
		rs = append(rs, &kgo.Record{Topic: topic, Partition: partition, Key: []byte("k" + v), Value: []byte(v)})
	}
	if err := cl.ProduceSync(ctxFor(t, clientTimeout), rs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s[%d]: %v", topic, partition, err)
	}
	return rs
}

// seq returns the strings prefix0 … prefix(n-1).
func seq(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, from+i)
	}
	return out
}

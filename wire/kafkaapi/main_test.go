package kafkaapi_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
	"github.com/skiffhq/skiff/log/batch"
)

// The tests in this package run real nodes (servertest) and talk to them
// with franz-go over real sockets: kgo/kadm where a client's behaviour is
// the point, raw kmsg requests (through kgo, or on a bare connection with
// rawConn) where a client would hide what the broker answered.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCtx bounds one test's client calls.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// createTopic creates a topic with partitions and config overrides and
// fails the test unless it was created. It returns once the topic is
// visible with a leader for every partition: CreateTopics may answer a
// moment before this broker has published the topic (see
// TestAdminChangeVisibleWhenAnswered).
func createTopic(t *testing.T, adm *kadm.Client, name string, partitions int32, configs map[string]*string) kadm.CreateTopicResponse {
	t.Helper()
	resp, err := adm.CreateTopic(testCtx(t), partitions, 1, configs, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	waitTopic(t, adm, name, partitions)
	return resp
}

// waitTopic waits, bounded, until topic has partitions partitions, each
// with a leader.
func waitTopic(t *testing.T, adm *kadm.Client, topic string, partitions int32) {
	t.Helper()
	ctx := testCtx(t)
	for {
		td, err := adm.ListTopics(ctx, topic)
		if err != nil {
			t.Fatalf("list topic %s: %v", topic, err)
		}
		ready := td[topic].Err == nil && len(td[topic].Partitions) == int(partitions)
		for _, p := range td[topic].Partitions {
			ready = ready && p.Leader >= 0 && p.Err == nil
		}
		if ready {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("topic %s not visible with %d led partitions: %+v", topic, partitions, td[topic])
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }

// produceSync produces records and fails the test on any error.
func produceSync(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	if err := cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// consumeN reads n records of topic from the start of every partition with
// a fresh client and returns them in the order received.
func consumeN(t *testing.T, n *servertest.Node, topic string, want int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	all := append([]kgo.Opt{
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, opts...)
	cl := n.Client(all...)
	defer cl.Close()
	ctx := testCtx(t)
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s before the deadline", len(got), want, topic)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Fatalf("consume %s[%d]: %v", topic, p, err)
		})
		got = append(got, fs.Records()...)
	}
	if len(got) > want {
		t.Fatalf("consumed %d records of %s, want %d", len(got), topic, want)
	}
	return got
}

// errCode is the Kafka error code's name, for messages.
func errName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if e := kerr.ErrorForCode(code); e != nil {
		if ke, ok := e.(*kerr.Error); ok {
			return ke.Message
		}
	}
	return fmt.Sprintf("code %d", code)
}

// wantCode fails the test unless got is want.
func wantCode(t *testing.T, what string, got int16, want *kerr.Error) {
	t.Helper()
	wantCode := int16(0)
	if want != nil {
		wantCode = want.Code
	}
	if got != wantCode {
		t.Errorf("%s: error %s, want %s", what, errName(got), errName(wantCode))
	}
}

// simpleBatch is an uncompressed batch of one record per value, as a
// non-idempotent producer sends it.
func simpleBatch(ts int64, values ...string) []byte {
	b := batch.NewBuilder(batch.DefaultBuilderOptions())
	for _, v := range values {
		b.AddSimple(nil, []byte(v), ts)
	}
	return b.Build()
}

// idempotentBatch is an uncompressed batch from producer id/epoch starting
// at sequence seq.
func idempotentBatch(id int64, epoch int16, seq int32, ts int64, values ...string) []byte {
	o := batch.DefaultBuilderOptions()
	o.ProducerID, o.ProducerEpoch, o.BaseSequence = id, epoch, seq
	b := batch.NewBuilder(o)
	for _, v := range values {
		b.AddSimple(nil, []byte(v), ts)
	}
	return b.Build()
}

// produceReq is a ProduceRequest (v11, the newest served) with records
// for one partition.
func produceReq(topic string, partition int32, acks int16, records []byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(11)
	req.Acks = acks
	req.TimeoutMillis = 10000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = partition
	rp.Records = records
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// produceRaw sends one ProduceRequest for one partition on c (kgo would
// replace acks with its own) and returns that partition's response.
func produceRaw(t *testing.T, c *rawConn, topic string, partition int32, acks int16, records []byte) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	resp := c.roundTrip(produceReq(topic, partition, acks, records)).(*kmsg.ProduceResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("produce response has %d topics, want 1 with 1 partition: %+v", len(resp.Topics), resp)
	}
	return resp.Topics[0].Partitions[0]
}

// fetchReq is a FetchRequest at version for one partition, with MaxWait 0
// so it answers at once.
func fetchReq(version int16, topic string, topicID [16]byte, partition int32, offset int64) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(version)
	req.ReplicaID = -1
	req.MaxWaitMillis = 0
	req.MinBytes = 0
	req.MaxBytes = 50 << 20
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic, ft.TopicID = topic, topicID
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.Partition = partition
	fp.FetchOffset = offset
	fp.PartitionMaxBytes = 10 << 20
	ft.Partitions = append(ft.Partitions, fp)
	req.Topics = append(req.Topics, ft)
	return req
}

// fetchRaw sends req on c and returns its only partition's response.
func fetchRaw(t *testing.T, c *rawConn, req *kmsg.FetchRequest) kmsg.FetchResponseTopicPartition {
	t.Helper()
	resp := c.roundTrip(req).(*kmsg.FetchResponse)
	if resp.ErrorCode != 0 {
		t.Fatalf("fetch v%d: top-level error %s", req.Version, errName(resp.ErrorCode))
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch v%d response has %d topics, want 1 with 1 partition", req.Version, len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// batchesIn splits a fetched record set into whole batches; a trailing
// partial batch (a fetch may cut the last one, as Kafka's does) is
// returned separately.
func batchesIn(t *testing.T, records []byte) (whole []batch.Header, partial []byte) {
	t.Helper()
	rest := records
	for len(rest) > 0 {
		first, tail, ok := batch.Next(rest)
		if !ok {
			return whole, rest
		}
		h, err := batch.Validate(first)
		if err != nil {
			t.Fatalf("fetched batch %d does not validate: %v", len(whole), err)
		}
		whole = append(whole, h)
		rest = tail
	}
	return whole, nil
}

// valuesIn decodes the values of every whole batch in records.
func valuesIn(t *testing.T, records []byte) []string {
	t.Helper()
	var out []string
	rest := records
	for {
		first, tail, ok := batch.Next(rest)
		if !ok {
			return out
		}
		err := batch.ForEachRecord(first, batch.DecodeOptions{}, func(r batch.Record) error {
			out = append(out, string(r.Value))
			return nil
		})
		if err != nil {
			t.Fatalf("decode fetched batch: %v", err)
		}
		rest = tail
	}
}

// endOffsets returns the high watermark of every partition of topic.
func endOffsets(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	lo, err := adm.ListEndOffsets(testCtx(t), topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	out := map[int32]int64{}
	lo.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("end offset %s[%d]: %v", o.Topic, o.Partition, o.Err)
		}
		out[o.Partition] = o.Offset
	})
	return out
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

package kafkaapi_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// variedRecords are records that exercise every field a record has:
// null and empty keys and values, several headers with duplicate keys and
// null values, explicit old and (slightly) future timestamps.
func variedRecords(topic string, partitions int32, n int) []*kgo.Record {
	now := time.Now()
	var out []*kgo.Record
	for i := range n {
		r := &kgo.Record{Topic: topic, Partition: int32(i) % partitions}
		switch i % 6 {
		case 0:
			r.Key, r.Value = []byte("k"+strconv.Itoa(i)), []byte("value "+strconv.Itoa(i))
		case 1:
			r.Key, r.Value = nil, []byte("null key "+strconv.Itoa(i))
		case 2:
			r.Key, r.Value = []byte("tombstone"), nil
		case 3:
			r.Key, r.Value = []byte{}, []byte{}
		case 4:
			r.Value = []byte("with headers")
			r.Headers = []kgo.RecordHeader{
				{Key: "h", Value: []byte("1")},
				{Key: "h", Value: []byte("2")}, // duplicate keys keep order
				{Key: "null", Value: nil},
				{Key: "empty", Value: []byte{}},
			}
		case 5:
			r.Value = []byte("big " + string(make([]byte, 3000)))
		}
		switch i % 3 {
		case 0:
			r.Timestamp = now.Add(-30 * 24 * time.Hour) // a month old
		case 1:
			r.Timestamp = now.Add(time.Minute) // ahead, within the default bounds
		default:
			r.Timestamp = now
		}
		out = append(out, r)
	}
	return out
}

// sameRecord compares what a consumer got with what was produced, exactly.
func sameRecord(got, want *kgo.Record) error {
	switch {
	case !sameBytes(got.Key, want.Key):
		return fmt.Errorf("key %q (nil %v), want %q (nil %v)", got.Key, got.Key == nil, want.Key, want.Key == nil)
	case !sameBytes(got.Value, want.Value):
		return fmt.Errorf("value %.20q (nil %v), want %.20q (nil %v)", got.Value, got.Value == nil, want.Value, want.Value == nil)
	case got.Timestamp.UnixMilli() != want.Timestamp.UnixMilli():
		return fmt.Errorf("timestamp %d, want %d", got.Timestamp.UnixMilli(), want.Timestamp.UnixMilli())
	case got.Partition != want.Partition:
		return fmt.Errorf("partition %d, want %d", got.Partition, want.Partition)
	case len(got.Headers) != len(want.Headers):
		return fmt.Errorf("%d headers, want %d", len(got.Headers), len(want.Headers))
	}
	for i := range got.Headers {
		if got.Headers[i].Key != want.Headers[i].Key || !sameBytes(got.Headers[i].Value, want.Headers[i].Value) {
			return fmt.Errorf("header %d = %q:%q, want %q:%q", i, got.Headers[i].Key, got.Headers[i].Value, want.Headers[i].Key, want.Headers[i].Value)
		}
	}
	return nil
}

// checkRoundTrip consumes topic and checks every produced record came
// back exactly, in produce order per partition, at contiguous offsets from
// zero.
func checkRoundTrip(t *testing.T, n *servertest.Node, topic string, produced []*kgo.Record) {
	t.Helper()
	got := consumeN(t, n, topic, len(produced))
	byPart := map[int32][]*kgo.Record{}
	for _, r := range produced {
		byPart[r.Partition] = append(byPart[r.Partition], r)
	}
	seen := map[int32]int{}
	for _, r := range got {
		i := seen[r.Partition]
		seen[r.Partition]++
		want := byPart[r.Partition]
		if i >= len(want) {
			t.Fatalf("partition %d: more records than produced", r.Partition)
		}
		if r.Offset != int64(i) {
			t.Errorf("partition %d record %d has offset %d, want %d (offsets must be contiguous)", r.Partition, i, r.Offset, i)
		}
		if err := sameRecord(r, want[i]); err != nil {
			t.Errorf("partition %d offset %d: %v", r.Partition, r.Offset, err)
		}
	}
}

func TestProduceConsumeEveryCodec(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"none", kgo.NoCompression()},
		{"gzip", kgo.GzipCompression()},
		{"snappy", kgo.SnappyCompression()},
		{"lz4", kgo.Lz4Compression()},
		{"zstd", kgo.ZstdCompression()},
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			topic := "codec-" + c.name
			createTopic(t, adm, topic, 3, nil)
			cl := n.Client(kgo.ProducerBatchCompression(c.codec), kgo.RecordPartitioner(kgo.ManualPartitioner()),
				kgo.ProducerLinger(5*time.Millisecond))
			recs := variedRecords(topic, 3, 60)
			produceSync(t, cl, recs...)
			checkRoundTrip(t, n, topic, recs)
		})
	}
}

func TestProduceManyPartitions(t *testing.T) {
	n := servertest.Start(t)
	const parts = 64
	createTopic(t, n.Admin(), "wide", parts, nil)
	cl := n.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for i := range 4 * parts {
		recs = append(recs, &kgo.Record{Topic: "wide", Partition: int32(i % parts), Value: []byte(strconv.Itoa(i)), Timestamp: time.Now()})
	}
	produceSync(t, cl, recs...)
	checkRoundTrip(t, n, "wide", recs)
	ends := endOffsets(t, n.Admin(), "wide")
	for p := range int32(parts) {
		if ends[p] != 4 {
			t.Errorf("partition %d ends at %d, want 4", p, ends[p])
		}
	}
}

func TestProduceAcks(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "acks", 1, nil)
	acks := []struct {
		name string
		opts []kgo.Opt
	}{
		{"all", nil},
		{"leader", []kgo.Opt{kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()}},
		{"none", []kgo.Opt{kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite()}},
	}
	total := 0
	for _, a := range acks {
		cl := n.Client(append([]kgo.Opt{kgo.DefaultProduceTopic("acks")}, a.opts...)...)
		for i := range 10 {
			produceSync(t, cl, &kgo.Record{Value: []byte(a.name + strconv.Itoa(i))})
		}
		total += 10
	}
	got := consumeN(t, n, "acks", total)
	var values []string
	for _, r := range got {
		values = append(values, string(r.Value))
	}
	// acks=0 records are sent in order on one connection, so they arrive.
	for _, want := range []string{"all0", "all9", "leader0", "leader9", "none0", "none9"} {
		if !slices.Contains(values, want) {
			t.Errorf("record %q missing; consumed %q", want, values)
		}
	}
}

func TestProduceAcksRaw(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "raw-acks", 1, nil)
	c := dialRaw(t, n.Addr())
	for i, acks := range []int16{1, -1} {
		p := produceRaw(t, c, "raw-acks", 0, acks, simpleBatch(time.Now().UnixMilli(), "a", "b"))
		wantCode(t, fmt.Sprintf("acks=%d", acks), p.ErrorCode, nil)
		if p.BaseOffset != int64(2*i) {
			t.Errorf("acks=%d: base offset %d, want %d", acks, p.BaseOffset, 2*i)
		}
		if p.LogAppendTime != -1 {
			t.Errorf("acks=%d: log append time %d on a CreateTime topic, want -1", acks, p.LogAppendTime)
		}
	}
	for _, acks := range []int16{2, -2, 5} {
		p := produceRaw(t, c, "raw-acks", 0, acks, simpleBatch(time.Now().UnixMilli(), "x"))
		wantCode(t, fmt.Sprintf("acks=%d", acks), p.ErrorCode, kerr.InvalidRequiredAcks)
	}
	if ends := endOffsets(t, n.Admin(), "raw-acks"); ends[0] != 4 {
		t.Errorf("end offset %d, want 4 (invalid acks must append nothing)", ends[0])
	}
}

func TestProduceNotEnoughReplicas(t *testing.T) {
	n := servertest.Start(t)
	// Kafka lets min.insync.replicas exceed the replication factor; then
	// acks=all cannot be satisfied and is refused without appending,
	// while acks=1 still works.
	createTopic(t, n.Admin(), "strict", 1, map[string]*string{"min.insync.replicas": ptr("2")})
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()
	p := produceRaw(t, c, "strict", 0, -1, simpleBatch(now, "all"))
	wantCode(t, "acks=all with ISR 1 < min.insync.replicas 2", p.ErrorCode, kerr.NotEnoughReplicas)
	p = produceRaw(t, c, "strict", 0, 1, simpleBatch(now, "one"))
	wantCode(t, "acks=1 with ISR 1 < min.insync.replicas 2", p.ErrorCode, nil)
	if p.BaseOffset != 0 {
		t.Errorf("acks=1 appended at %d, want 0: the refused acks=all batch was appended", p.BaseOffset)
	}
}

func TestProduceAcksZeroClosesOnError(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "acks0", 1, nil)
	produce := func(topic string, partition int32) *kmsg.ProduceRequest {
		return produceReq(topic, partition, 0, simpleBatch(time.Now().UnixMilli(), "v"))
	}

	// A successful acks=0 produce gets no response and the connection
	// stays usable: the next request's answer is the next frame.
	c := dialRaw(t, n.Addr())
	c.send(produce("acks0", 0))
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(3)
	av.ClientSoftwareName, av.ClientSoftwareVersion = "test", "1"
	if resp := c.roundTrip(av).(*kmsg.ApiVersionsResponse); resp.ErrorCode != 0 {
		t.Errorf("ApiVersions after acks=0 produce: %s", errName(resp.ErrorCode))
	}

	// A failed one (no such partition, no such topic) closes it: that is
	// how Kafka tells an acks=0 producer to refresh its metadata.
	for _, tc := range []struct {
		topic     string
		partition int32
	}{{"acks0", 7}, {"no-such-topic", 0}} {
		c := dialRaw(t, n.Addr())
		c.send(produce(tc.topic, tc.partition))
		if !c.closedByPeer(10 * time.Second) {
			t.Errorf("acks=0 produce to %s[%d]: connection still open, want it closed", tc.topic, tc.partition)
		}
	}
	if ends := endOffsets(t, n.Admin(), "acks0"); ends[0] != 1 {
		t.Errorf("end offset %d, want 1", ends[0])
	}
}

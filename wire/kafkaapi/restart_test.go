package kafkaapi_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

func TestRestartKeepsTopicsAndConfigs(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	ctx := testCtx(t)
	createTopic(t, adm, "r-plain", 3, nil)
	created := createTopic(t, adm, "r-configured", 2, map[string]*string{
		"retention.ms": ptr("3600000"), "cleanup.policy": ptr("compact"), "max.message.bytes": ptr("2048"),
	})
	if _, err := adm.CreatePartitions(ctx, 2, "r-plain"); err != nil {
		t.Fatalf("create partitions: %v", err)
	}
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "segment.ms", Value: ptr("60000")}}, "r-plain"); err != nil {
		t.Fatalf("alter configs: %v", err)
	}

	n.Restart()

	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics after restart: %v", err)
	}
	if got := len(topics["r-plain"].Partitions); got != 5 {
		t.Errorf("r-plain has %d partitions after restart, want 5", got)
	}
	if got := len(topics["r-configured"].Partitions); got != 2 {
		t.Errorf("r-configured has %d partitions after restart, want 2", got)
	}
	if topics["r-configured"].ID != created.ID {
		t.Errorf("topic id %v after restart, want %v", topics["r-configured"].ID, created.ID)
	}
	for _, p := range topics["r-plain"].Partitions {
		if p.Leader != 1 || p.Err != nil {
			t.Errorf("r-plain[%d] after restart: leader %d, err %v", p.Partition, p.Leader, p.Err)
		}
	}
	want := map[string]map[string]string{
		"r-configured": {"retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2048"},
		"r-plain":      {"segment.ms": "60000"},
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, "r-configured", "r-plain")
	if err != nil {
		t.Fatalf("describe configs after restart: %v", err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if w, ok := want[rc.Name][c.Key]; ok && (c.Value == nil || *c.Value != w || c.Source != 1) {
				t.Errorf("%s %s after restart = %v (source %d), want %s from DYNAMIC_TOPIC_CONFIG", rc.Name, c.Key, c.Value, c.Source, w)
			}
		}
	}
	// The overrides still act: max.message.bytes refuses a big batch.
	cl := n.Client(kgo.DefaultProduceTopic("r-configured"), kgo.ProducerBatchCompression(kgo.NoCompression()))
	err = cl.ProduceSync(ctx, &kgo.Record{Key: []byte("k"), Value: bytes.Repeat([]byte("x"), 4096)}).FirstErr()
	if err == nil {
		t.Error("a 4 KiB record was accepted by a topic with max.message.bytes=2048 after restart")
	}
}

// TestRestartKeepsData: records, high watermarks and log start offsets
// survive a clean restart. (Until node.go deleted "stale" logs only after
// catching up with the metadata log, every restart emptied every
// partition: the first delta after a restart is only the last snapshot.)
func TestRestartKeepsData(t *testing.T) {
	n := servertest.Start(t, servertest.Override("log.retention.check.interval.ms", "20"))
	adm := n.Admin()
	ctx := testCtx(t)
	// Segments of 1 MiB and a 1 MiB retention: once 3 MiB are written,
	// retention deletes old segments and the log start offset moves up.
	createTopic(t, adm, "r-data", 2, map[string]*string{"segment.bytes": ptr("1048576"), "retention.bytes": ptr("1048576")})
	cl := n.Client(kgo.DefaultProduceTopic("r-data"), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	big := bytes.Repeat([]byte("r"), 100<<10)
	for i := range 30 {
		produceSync(t, cl, &kgo.Record{Partition: 0, Value: append([]byte(strconv.Itoa(i)+":"), big...)})
	}
	var small []*kgo.Record
	for i := range 50 {
		small = append(small, &kgo.Record{Partition: 1, Value: []byte(strconv.Itoa(i))})
	}
	produceSync(t, cl, small...)

	starts := waitStartOffset(t, adm, "r-data", 0)
	ends := endOffsets(t, adm, "r-data")
	if ends[0] != 30 || ends[1] != 50 {
		t.Fatalf("end offsets before restart %v, want 30 and 50", ends)
	}

	n.Restart()

	if got := endOffsets(t, adm, "r-data"); got[0] != ends[0] || got[1] != ends[1] {
		t.Errorf("high watermarks after restart %v, want %v", got, ends)
	}
	lo, err := adm.ListStartOffsets(ctx, "r-data")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := lo.Lookup("r-data", 0); o.Offset != starts {
		t.Errorf("log start offset after restart %d, want %d", o.Offset, starts)
	}
	got := consumeN(t, n, "r-data", int(30-starts+50))
	next := map[int32]int64{0: starts, 1: 0}
	for _, r := range got {
		if r.Offset != next[r.Partition] {
			t.Errorf("partition %d: offset %d, want %d", r.Partition, r.Offset, next[r.Partition])
		}
		want := strconv.FormatInt(r.Offset, 10)
		if !bytes.HasPrefix(r.Value, []byte(want)) {
			t.Errorf("partition %d offset %d: value %.10q, want it to start with %s", r.Partition, r.Offset, r.Value, want)
		}
		next[r.Partition]++
	}
	// Producing continues where the log ended.
	produceSync(t, cl, &kgo.Record{Partition: 1, Value: []byte("after")})
	if got := endOffsets(t, adm, "r-data"); got[1] != 51 {
		t.Errorf("end offset after a produce %d, want 51", got[1])
	}
}

// waitStartOffset waits (bounded) until retention has moved the log
// start offset of partition above 0, and returns it.
func waitStartOffset(t *testing.T, adm *kadm.Client, topic string, partition int32) int64 {
	t.Helper()
	ctx := testCtx(t)
	for {
		lo, err := adm.ListStartOffsets(ctx, topic)
		if err != nil {
			t.Fatalf("list start offsets: %v", err)
		}
		if o, ok := lo.Lookup(topic, partition); ok && o.Offset > 0 {
			return o.Offset
		}
		select {
		case <-ctx.Done():
			t.Fatalf("retention did not move the log start offset of %s[%d]", topic, partition)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

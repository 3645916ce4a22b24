package quorum

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

func TestSingleNodeProposeRestart(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	q := singleNode(t, dir, nil)
	t.Logf("single voter led and was ready after %s", time.Since(start))
	if id, ok := q.Leader(); !ok || id != 1 || !q.IsLeader() || q.Term() == 0 {
		t.Fatalf("leader %d %v, term %d", id, ok, q.Term())
	}
	propose(t, q, registerBroker(1, 1))
	res := propose(t, q, createTopic("orders", topicID(1), 3)...)
	img := q.Image()
	if img.Offset() != res.Index || img.Term() != res.Term {
		t.Fatalf("image at %d/%d, proposal at %d/%d", img.Offset(), img.Term(), res.Index, res.Term)
	}
	if top, ok := img.Topic("orders"); !ok || top.NumPartitions() != 3 {
		t.Fatalf("topic not applied: %v", ok)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = singleNode(t, dir, nil)
	defer q.Close()
	if !image.Equal(img, q.Image()) {
		t.Fatalf("image after restart differs: offset %d vs %d", q.Image().Offset(), img.Offset())
	}
}

// TestRestartFromSnapshot compacts the log behind a snapshot, so the
// reopened node can only rebuild its image from the snapshot plus the
// entries after it.
func TestRestartFromSnapshot(t *testing.T) {
	dir := t.TempDir()
	compact := func(c *Config) { c.TrailingLogs = 1; c.SnapshotThreshold = 1 << 30 }
	q := singleNode(t, dir, compact)
	propose(t, q, registerBroker(1, 1))
	for i := 0; i < 20; i++ {
		propose(t, q, createTopic("t"+string(rune('a'+i)), topicID(i+1), 2)...)
	}
	propose(t, q, &record.Config{ResourceType: record.ResourceTopic, ResourceName: "ta", Name: "retention.ms", Value: str("1")})
	if err := q.Snapshot(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	// Entries after the snapshot come back from the log.
	propose(t, q, &record.RemoveTopic{TopicID: topicID(2)})
	propose(t, q, &record.ProducerIDs{BrokerID: 1, BrokerEpoch: 1, NextProducerID: 1000})
	want := q.Image()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "state.bin"))
	if len(snaps) == 0 {
		t.Fatal("no snapshot on disk")
	}

	q = singleNode(t, dir, compact)
	defer q.Close()
	got := q.Image()
	if !image.Equal(want, got) {
		t.Fatalf("restored image differs (topics %d vs %d)", got.NumTopics(), want.NumTopics())
	}
	sub, err := q.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	first := nextDelta(t, sub)
	if first.Prev.Offset() != 0 || len(first.TopicsCreated) != want.NumTopics() || len(first.Partitions) != want.NumPartitions() {
		t.Fatalf("first delta after restart: %d topics, %d partitions from offset %d",
			len(first.TopicsCreated), len(first.Partitions), first.Prev.Offset())
	}
}

func TestRejectedEntry(t *testing.T) {
	q := singleNode(t, t.TempDir(), nil)
	defer q.Close()
	propose(t, q, registerBroker(1, 1))
	propose(t, q, createTopic("orders", topicID(1), 1)...)
	before := q.Image()
	ctx := context.Background()
	_, err := q.Propose(ctx, []record.Record{
		&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "a", Value: str("b")},
		&record.PartitionChange{TopicID: topicID(1), PartitionEpoch: 7, Leader: record.NoLeaderChange, ISR: []int32{1}},
	})
	if !errors.Is(err, image.ErrStalePartitionEpoch) {
		t.Fatalf("got %v, want stale partition epoch", err)
	}
	after := q.Image()
	if after.Offset() <= before.Offset() {
		t.Fatal("offset did not advance past the rejected entry")
	}
	if !image.Equal(before, after.Advance(before.Offset(), before.Term())) {
		t.Fatal("rejected entry changed the image")
	}
	if _, err := q.Propose(ctx, []record.Record{&record.Topic{Name: "orders", TopicID: topicID(2)}}); !errors.Is(err, image.ErrTopicExists) {
		t.Fatalf("got %v", err)
	}
	// The log carries on normally.
	propose(t, q, &record.PartitionChange{TopicID: topicID(1), PartitionEpoch: 0, Leader: record.NoLeaderChange, ISR: []int32{1}})
}

func TestSubscribersSeeDeltasInOrder(t *testing.T) {
	q := singleNode(t, t.TempDir(), nil)
	defer q.Close()
	sub, err := q.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// A subscriber that never reads must not hold anything up.
	idle, err := q.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	first := nextDelta(t, sub)
	if first.Prev.Offset() != 0 || first.Prev.NumTopics() != 0 || first.Prev.NumBrokers() != 0 {
		t.Fatal("first delta is not from the empty image")
	}
	propose(t, q, registerBroker(1, 1))
	var results []ProposeResult
	for i := 0; i < 30; i++ {
		results = append(results, propose(t, q, createTopic("t"+string(rune('A'+i)), topicID(i+1), 1)...))
	}
	prev := first.Image
	seen := 0
	for seen < len(results) {
		d := nextDelta(t, sub)
		if d.Prev != prev {
			t.Fatalf("delta at %d does not continue from the previous image", d.Image.Offset())
		}
		prev = d.Image
		if len(d.TopicsCreated) == 1 {
			want := results[seen]
			if d.Image.Offset() != want.Index || d.TopicsCreated[0].Name() != "t"+string(rune('A'+seen)) {
				t.Fatalf("delta %d out of order: offset %d topic %s", seen, d.Image.Offset(), d.TopicsCreated[0].Name())
			}
			seen++
		}
	}
	sub.Close()
	if _, ok := <-sub.C; ok {
		t.Fatal("channel open after Close")
	}
}

func TestNotLeaderAndClosed(t *testing.T) {
	q := singleNode(t, t.TempDir(), nil)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Propose(context.Background(), []record.Record{&record.NoOp{}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("propose after close: %v", err)
	}
	if _, err := q.Subscribe(); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Fatal("second close:", err)
	}
}

func TestOpenRejectsBadConfigAndLockedDir(t *testing.T) {
	cfg := testConfig("", 1, nil)
	if _, err := Open(cfg, listen(t), testLogger(t)); err == nil {
		t.Fatal("opened with an invalid config")
	}
	dir := t.TempDir()
	q := singleNode(t, dir, nil)
	defer q.Close()
	ln := listen(t)
	_, err := Open(testConfig(dir, 1, []Voter{{ID: 1, Addr: ln.Addr().String()}}), ln, testLogger(t))
	if err == nil {
		t.Fatal("second node opened the same metadata dir")
	}
	if _, statErr := os.Stat(filepath.Join(dir, "raft.db")); statErr != nil {
		t.Fatal(statErr)
	}
}

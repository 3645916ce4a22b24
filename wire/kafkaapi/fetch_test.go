package kafkaapi_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

func TestFetchLongPoll(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "poll", 1, nil)
	producer := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()

	// Nothing to read: the fetch waits MaxWait, then answers empty.
	c := dialRaw(t, n.Addr())
	req := fetchReq(12, "poll", [16]byte{}, 0, 0)
	req.MinBytes, req.MaxWaitMillis = 1, 300
	start := time.Now()
	p := fetchRaw(t, c, req)
	if waited := time.Since(start); waited < 290*time.Millisecond {
		t.Errorf("empty fetch answered after %v, before its MaxWait of 300ms", waited)
	}
	wantCode(t, "empty long poll", p.ErrorCode, nil)
	if p.RecordBatches == nil || len(p.RecordBatches) != 0 {
		t.Errorf("empty long poll returned records %v (nil %v), want an empty set", p.RecordBatches, p.RecordBatches == nil)
	}

	// A fetch waiting with a long MaxWait answers as soon as a produce
	// gives it data: it is still waiting after a while, and answers once
	// the record is in.
	req = fetchReq(12, "poll", [16]byte{}, 0, 0)
	req.MinBytes, req.MaxWaitMillis = 1, 10000
	corr := c.send(req)
	if _, _, err := c.readFrame(true, 200*time.Millisecond); err == nil {
		t.Fatal("a fetch with nothing to read answered before MaxWait")
	}
	start = time.Now()
	wantCode(t, "produce", produceRaw(t, producer, "poll", 0, -1, simpleBatch(now, "wake up")).ErrorCode, nil)
	got, body, err := c.readFrame(true, 15*time.Second)
	if err != nil || got != corr {
		t.Fatalf("waiting fetch: corr %d (want %d), err %v", got, corr, err)
	}
	if waited := time.Since(start); waited > 8*time.Second {
		t.Errorf("waiting fetch answered %v after the produce; it should wake on the append, not at MaxWait", waited)
	}
	resp := kmsg.NewPtrFetchResponse()
	resp.SetVersion(12)
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	if vals := valuesIn(t, resp.Topics[0].Partitions[0].RecordBatches); len(vals) != 1 || vals[0] != "wake up" {
		t.Errorf("woken fetch returned %q, want [wake up]", vals)
	}

	// MinBytes more than there is: wait MaxWait, then return what there is.
	req = fetchReq(12, "poll", [16]byte{}, 0, 0)
	req.MinBytes, req.MaxWaitMillis = 1<<20, 300
	start = time.Now()
	p = fetchRaw(t, c, req)
	if waited := time.Since(start); waited < 290*time.Millisecond {
		t.Errorf("fetch with MinBytes unmet answered after %v, before MaxWait", waited)
	}
	if vals := valuesIn(t, p.RecordBatches); len(vals) != 1 {
		t.Errorf("fetch with MinBytes unmet returned %q at MaxWait, want what there is", vals)
	}

	// The long poll also answers a client that uses kgo's consumer.
	cl := n.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"poll": {0: kgo.NewOffset().At(1)}}), kgo.FetchMaxWait(10*time.Second))
	done := make(chan []*kgo.Record, 1)
	go func() { done <- cl.PollFetches(testCtx(t)).Records() }()
	wantCode(t, "produce", produceRaw(t, producer, "poll", 0, -1, simpleBatch(now, "second")).ErrorCode, nil)
	if recs := <-done; len(recs) != 1 || string(recs[0].Value) != "second" || recs[0].Offset != 1 {
		t.Errorf("kgo long poll got %d records", len(recs))
	}
}

func TestFetchLongPollManyPartitions(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "many", 3, nil)
	createTopic(t, n.Admin(), "many2", 1, nil)
	producer := dialRaw(t, n.Addr())
	c := dialRaw(t, n.Addr())

	// One fetch over four partitions of two topics wakes when the last of
	// them gets a record.
	req := fetchReq(12, "many", [16]byte{}, 0, 0)
	for p := int32(1); p < 3; p++ {
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.Partition, fp.PartitionMaxBytes = p, 1<<20
		req.Topics[0].Partitions = append(req.Topics[0].Partitions, fp)
	}
	other := kmsg.NewFetchRequestTopic()
	other.Topic = "many2"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes = 1 << 20
	other.Partitions = append(other.Partitions, fp)
	req.Topics = append(req.Topics, other)
	req.MinBytes, req.MaxWaitMillis = 1, 20000
	corr := c.send(req)
	if _, _, err := c.readFrame(true, 200*time.Millisecond); err == nil {
		t.Fatal("a fetch with nothing to read answered before MaxWait")
	}
	wantCode(t, "produce", produceRaw(t, producer, "many2", 0, -1, simpleBatch(time.Now().UnixMilli(), "here")).ErrorCode, nil)
	got, body, err := c.readFrame(true, 15*time.Second)
	if err != nil || got != corr {
		t.Fatalf("waiting fetch: corr %d (want %d), err %v", got, corr, err)
	}
	resp := kmsg.NewPtrFetchResponse()
	resp.SetVersion(12)
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 2 || len(resp.Topics[1].Partitions) != 1 || len(valuesIn(t, resp.Topics[1].Partitions[0].RecordBatches)) != 1 {
		t.Errorf("woken fetch: %+v", resp.Topics)
	}

	// A node that stops does not hold a waiting fetch until MaxWait: it
	// answers it at once or closes the connection, and then closes it.
	req.Topics = req.Topics[:1]
	c.send(req)
	if _, _, err := c.readFrame(true, 200*time.Millisecond); err == nil {
		t.Fatal("a fetch with nothing to read answered before MaxWait")
	}
	closed := make(chan error, 1)
	go func() { closed <- n.Close() }()
	_, _, err = c.readFrame(true, 15*time.Second)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Error("a fetch waiting for 20 s was neither answered nor closed while the node stopped")
	case err == nil && !c.closedByPeer(15*time.Second):
		t.Error("the connection stayed open after the node stopped")
	}
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestFetchOffsetsAndEmptySets(t *testing.T) {
	n := servertest.Start(t)
	created := createTopic(t, n.Admin(), "fo", 1, nil)
	c := dialRaw(t, n.Addr())
	wantCode(t, "produce", produceRaw(t, c, "fo", 0, -1, simpleBatch(time.Now().UnixMilli(), "a", "b", "c")).ErrorCode, nil)

	for _, v := range []int16{4, 7, 11, 12, 13} {
		fetch := func(offset int64) kmsg.FetchResponseTopicPartition {
			return fetchRaw(t, c, fetchReq(v, "fo", created.ID, 0, offset))
		}
		what := "v" + strconv.Itoa(int(v))
		p := fetch(0)
		wantCode(t, what+" fetch at 0", p.ErrorCode, nil)
		if p.HighWatermark != 3 || p.LastStableOffset != 3 || (v >= 5 && p.LogStartOffset != 0) {
			t.Errorf("%s: hw %d lso %d log start %d, want 3 3 0", what, p.HighWatermark, p.LastStableOffset, p.LogStartOffset)
		}
		if vals := valuesIn(t, p.RecordBatches); len(vals) != 3 {
			t.Errorf("%s: fetched %q", what, vals)
		}
		// From the middle of a batch: the whole batch comes back; the
		// client skips the records before its offset.
		if vals := valuesIn(t, fetch(1).RecordBatches); len(vals) != 3 {
			t.Errorf("%s: fetch at 1 returned %q, want the whole batch", what, vals)
		}
		// At the high watermark: no error, an empty (not null) record set,
		// which librdkafka needs.
		p = fetch(3)
		wantCode(t, what+" fetch at the high watermark", p.ErrorCode, nil)
		if p.RecordBatches == nil || len(p.RecordBatches) != 0 {
			t.Errorf("%s: fetch at the high watermark returned records %v (nil %v), want an empty set", what, p.RecordBatches, p.RecordBatches == nil)
		}
		for _, bad := range []int64{4, 100, -1} {
			p = fetch(bad)
			wantCode(t, what+" fetch at "+strconv.FormatInt(bad, 10), p.ErrorCode, kerr.OffsetOutOfRange)
			if p.RecordBatches == nil {
				t.Errorf("%s: an error partition's records are null, want an empty set", what)
			}
			if p.HighWatermark != 3 {
				t.Errorf("%s: out-of-range answer carries high watermark %d, want 3", what, p.HighWatermark)
			}
		}
	}
}

func TestFetchBelowLogStart(t *testing.T) {
	n := servertest.Start(t, servertest.Override("log.retention.check.interval.ms", "20"))
	adm := n.Admin()
	createTopic(t, adm, "retained", 1, map[string]*string{"segment.bytes": ptr("1048576"), "retention.bytes": ptr("1048576")})
	c := dialRaw(t, n.Addr())
	big := string(bytes.Repeat([]byte("z"), 100<<10))
	for i := range 30 {
		wantCode(t, "produce", produceRaw(t, c, "retained", 0, -1, simpleBatch(time.Now().UnixMilli(), strconv.Itoa(i)+":"+big)).ErrorCode, nil)
	}
	start := waitStartOffset(t, adm, "retained", 0)
	p := fetchRaw(t, c, fetchReq(12, "retained", [16]byte{}, 0, start-1))
	wantCode(t, "fetch below the log start", p.ErrorCode, kerr.OffsetOutOfRange)
	if p.LogStartOffset != start {
		t.Errorf("log start offset %d in the answer, want %d", p.LogStartOffset, start)
	}
	p = fetchRaw(t, c, fetchReq(12, "retained", [16]byte{}, 0, start))
	wantCode(t, "fetch at the log start", p.ErrorCode, nil)
	if vals := valuesIn(t, p.RecordBatches); len(vals) == 0 || !bytes.HasPrefix([]byte(vals[0]), []byte(strconv.FormatInt(start, 10)+":")) {
		t.Errorf("fetch at the log start %d returned %d records", start, len(vals))
	}
}

func TestFetchMaxBytes(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "sized", 2, nil)
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()
	var sizes []int
	for i := range 5 {
		b := simpleBatch(now, strconv.Itoa(i)+string(bytes.Repeat([]byte("s"), 900)))
		sizes = append(sizes, len(b))
		wantCode(t, "produce", produceRaw(t, c, "sized", 0, -1, b).ErrorCode, nil)
	}
	huge := simpleBatch(now, string(bytes.Repeat([]byte("H"), 5000)))
	wantCode(t, "produce huge", produceRaw(t, c, "sized", 1, -1, huge).ErrorCode, nil)

	// PartitionMaxBytes stops at whole batches within the limit (a cut
	// trailing batch is allowed, as in Kafka; clients drop it).
	req := fetchReq(12, "sized", [16]byte{}, 0, 0)
	limit := sizes[0] + sizes[1] + sizes[2]/2
	req.Topics[0].Partitions[0].PartitionMaxBytes = int32(limit)
	p := fetchRaw(t, c, req)
	whole, partial := batchesIn(t, p.RecordBatches)
	if len(whole) != 2 || len(p.RecordBatches) > limit {
		t.Errorf("PartitionMaxBytes %d: %d whole batches in %d bytes, want 2 within the limit", limit, len(whole), len(p.RecordBatches))
	}
	if len(partial) > 0 && (len(partial) >= sizes[2] || len(partial) >= 8 && binary.BigEndian.Uint64(partial) != 2) {
		t.Errorf("the %d trailing bytes are not a cut-off start of the batch at offset 2", len(partial))
	}

	// KIP-74: a first batch larger than every limit still comes back whole.
	req = fetchReq(12, "sized", [16]byte{}, 1, 0)
	req.MaxBytes = 1000
	req.Topics[0].Partitions[0].PartitionMaxBytes = 1000
	p = fetchRaw(t, c, req)
	if whole, _ := batchesIn(t, p.RecordBatches); len(whole) != 1 || whole[0].Size() != len(huge) {
		t.Errorf("a %d-byte batch over the 1000-byte limits: %d bytes, %d whole batches; want it whole", len(huge), len(p.RecordBatches), len(whole))
	}

	// Request MaxBytes across partitions: the first partition with data may
	// exceed it with one batch; later ones get only what is left.
	req = fetchReq(12, "sized", [16]byte{}, 1, 0)
	p0 := kmsg.NewFetchRequestTopicPartition()
	p0.Partition, p0.FetchOffset, p0.PartitionMaxBytes = 0, 0, 1<<20
	req.Topics[0].Partitions = append(req.Topics[0].Partitions, p0)
	req.MaxBytes = int32(len(huge) + sizes[0] + 10)
	resp := c.roundTrip(req).(*kmsg.FetchResponse)
	got1, got0 := resp.Topics[0].Partitions[0], resp.Topics[0].Partitions[1]
	if w, _ := batchesIn(t, got1.RecordBatches); len(w) != 1 {
		t.Errorf("first partition: %d whole batches, want the huge one", len(w))
	}
	if w, _ := batchesIn(t, got0.RecordBatches); len(w) != 1 || len(got1.RecordBatches)+len(got0.RecordBatches) > int(req.MaxBytes) {
		t.Errorf("second partition: %d whole batches (%d + %d bytes), want exactly what fits in MaxBytes %d",
			len(w), len(got1.RecordBatches), len(got0.RecordBatches), req.MaxBytes)
	}
}

func TestFetchByTopicIDAndIsolation(t *testing.T) {
	n := servertest.Start(t)
	created := createTopic(t, n.Admin(), "ids", 1, nil)
	c := dialRaw(t, n.Addr())
	wantCode(t, "produce", produceRaw(t, c, "ids", 0, -1, simpleBatch(time.Now().UnixMilli(), "x", "y")).ErrorCode, nil)

	req := fetchReq(13, "", created.ID, 0, 0)
	resp := c.roundTrip(req).(*kmsg.FetchResponse)
	if resp.Topics[0].TopicID != created.ID {
		t.Errorf("v13 answer names topic id %x, want %x", resp.Topics[0].TopicID, created.ID)
	}
	p := resp.Topics[0].Partitions[0]
	wantCode(t, "v13 fetch by id", p.ErrorCode, nil)
	if vals := valuesIn(t, p.RecordBatches); len(vals) != 2 {
		t.Errorf("v13 fetch by id returned %q", vals)
	}
	p = fetchRaw(t, c, fetchReq(13, "", [16]byte{7, 7}, 0, 0))
	wantCode(t, "v13 fetch of an unknown id", p.ErrorCode, kerr.UnknownTopicID)
	p = fetchRaw(t, c, fetchReq(12, "no-such-topic", [16]byte{}, 0, 0))
	wantCode(t, "v12 fetch of an unknown name", p.ErrorCode, kerr.UnknownTopicOrPartition)
	p = fetchRaw(t, c, fetchReq(12, "ids", [16]byte{}, 9, 0))
	wantCode(t, "fetch of an unknown partition", p.ErrorCode, kerr.UnknownTopicOrPartition)

	// READ_COMMITTED: accepted, and with no transactions the same records,
	// up to the last stable offset (the high watermark).
	req = fetchReq(12, "ids", [16]byte{}, 0, 0)
	req.IsolationLevel = 1
	p = fetchRaw(t, c, req)
	wantCode(t, "read committed", p.ErrorCode, nil)
	if vals := valuesIn(t, p.RecordBatches); len(vals) != 2 || p.LastStableOffset != 2 {
		t.Errorf("read committed: %q, last stable offset %d", vals, p.LastStableOffset)
	}
	cl := n.Client(kgo.ConsumeTopics("ids"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if recs := cl.PollFetches(testCtx(t)).Records(); len(recs) != 2 {
		t.Errorf("kgo read-committed consumer got %d records, want 2", len(recs))
	}

	// A fetch session is declined: FETCH_SESSION_ID_NOT_FOUND.
	req = fetchReq(12, "ids", [16]byte{}, 0, 0)
	req.SessionID, req.SessionEpoch = 42, 1
	r := c.roundTrip(req).(*kmsg.FetchResponse)
	wantCode(t, "fetch session", r.ErrorCode, kerr.FetchSessionIDNotFound)
}

func TestFetchCurrentLeaderEpoch(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "epochs", 1, nil)
	c := dialRaw(t, n.Addr())
	wantCode(t, "produce", produceRaw(t, c, "epochs", 0, -1, simpleBatch(time.Now().UnixMilli(), "e")).ErrorCode, nil)
	md := c.roundTrip(metadataReq(12, false, "epochs")).(*kmsg.MetadataResponse)
	epoch := md.Topics[0].Partitions[0].LeaderEpoch

	fetchAt := func(current int32) kmsg.FetchResponseTopicPartition {
		req := fetchReq(12, "epochs", [16]byte{}, 0, 0)
		req.Topics[0].Partitions[0].CurrentLeaderEpoch = current
		return fetchRaw(t, c, req)
	}
	wantCode(t, "current epoch", fetchAt(epoch).ErrorCode, nil)
	wantCode(t, "no epoch (-1)", fetchAt(-1).ErrorCode, nil)
	wantCode(t, "newer epoch", fetchAt(epoch+1).ErrorCode, kerr.UnknownLeaderEpoch)
	if epoch > 0 {
		wantCode(t, "older epoch", fetchAt(epoch-1).ErrorCode, kerr.FencedLeaderEpoch)
	}
	// The batch carries the leader epoch it was appended in.
	p := fetchAt(-1)
	if whole, _ := batchesIn(t, p.RecordBatches); len(whole) != 1 || whole[0].PartitionLeaderEpoch != epoch {
		t.Errorf("stored batch leader epoch %v, want %d", whole, epoch)
	}
}

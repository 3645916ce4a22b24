package kafkaapi_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// initProducerID asks for an idempotent producer id on c.
func initProducerID(t *testing.T, c *rawConn, version int16) (int64, int16) {
	t.Helper()
	req := kmsg.NewPtrInitProducerIDRequest()
	req.SetVersion(version)
	req.TransactionTimeoutMillis = 60000
	resp := c.roundTrip(req).(*kmsg.InitProducerIDResponse)
	if resp.ErrorCode != 0 {
		t.Fatalf("InitProducerId v%d: %s", version, errName(resp.ErrorCode))
	}
	return resp.ProducerID, resp.ProducerEpoch
}

func TestInitProducerIDDistinct(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	seen := map[int64]bool{}
	for i := range 20 {
		id, epoch := initProducerID(t, c, int16(i%5))
		if id < 0 || epoch != 0 {
			t.Fatalf("InitProducerId v%d: id %d epoch %d, want id >= 0 at epoch 0", i%5, id, epoch)
		}
		if seen[id] {
			t.Fatalf("producer id %d handed out twice", id)
		}
		seen[id] = true
	}

	// Concurrent producers on many connections still get distinct ids.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var conns []*rawConn
	for range 8 {
		conns = append(conns, dialRaw(t, n.Addr()))
	}
	ids := map[int64]int{}
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				req := kmsg.NewPtrInitProducerIDRequest()
				req.SetVersion(4)
				corr := c.send(req)
				got, body, err := c.readFrame(true, 10*time.Second)
				resp := kmsg.NewPtrInitProducerIDResponse()
				resp.SetVersion(4)
				if err == nil && got == corr {
					err = resp.ReadFrom(body)
				}
				mu.Lock()
				if err == nil && resp.ErrorCode == 0 {
					ids[resp.ProducerID]++
				} else {
					ids[-1]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ids[-1] != 0 || len(ids) != 80 {
		t.Errorf("80 concurrent InitProducerId calls gave %d distinct ids (%d failed)", len(ids), ids[-1])
	}
	for id := range ids {
		if seen[id] {
			t.Errorf("producer id %d handed out twice", id)
		}
	}

	// A transactional id is refused until transactions exist.
	req := kmsg.NewPtrInitProducerIDRequest()
	req.SetVersion(4)
	req.TransactionalID = kmsg.StringPtr("txn")
	resp := c.roundTrip(req).(*kmsg.InitProducerIDResponse)
	if resp.ErrorCode == 0 || resp.ProducerID != -1 {
		t.Errorf("transactional InitProducerId: error %s id %d, want an error and id -1", errName(resp.ErrorCode), resp.ProducerID)
	}
}

func TestIdempotentDuplicateNotWritten(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "idem", 1, nil)
	c := dialRaw(t, n.Addr())
	id, epoch := initProducerID(t, c, 4)
	ts := time.Now().UnixMilli()

	first := idempotentBatch(id, epoch, 0, ts, "a", "b", "c")
	p := produceRaw(t, c, "idem", 0, -1, first)
	wantCode(t, "first send", p.ErrorCode, nil)
	if p.BaseOffset != 0 {
		t.Fatalf("first send at offset %d, want 0", p.BaseOffset)
	}
	second := idempotentBatch(id, epoch, 3, ts, "d")
	p = produceRaw(t, c, "idem", 0, -1, second)
	wantCode(t, "second batch", p.ErrorCode, nil)

	// The same batch again (a producer retrying after a lost response) is
	// answered with the original offset and not written again; so is a
	// retry of the one before, which is still among the last five.
	for _, retry := range []struct {
		name   string
		batch  []byte
		offset int64
	}{{"retry of the latest", second, 3}, {"retry of an earlier one", first, 0}} {
		p = produceRaw(t, c, "idem", 0, -1, retry.batch)
		wantCode(t, retry.name, p.ErrorCode, nil)
		if p.BaseOffset != retry.offset {
			t.Errorf("%s: base offset %d, want the original %d", retry.name, p.BaseOffset, retry.offset)
		}
	}
	if ends := endOffsets(t, n.Admin(), "idem"); ends[0] != 4 {
		t.Errorf("end offset %d, want 4: duplicates were written", ends[0])
	}
	f := fetchRaw(t, c, fetchReq(12, "idem", [16]byte{}, 0, 0))
	if got := valuesIn(t, f.RecordBatches); fmt.Sprint(got) != "[a b c d]" {
		t.Errorf("stored values %q, want [a b c d] once each", got)
	}

	// A gap in the sequence is refused and appends nothing.
	p = produceRaw(t, c, "idem", 0, -1, idempotentBatch(id, epoch, 6, ts, "gap"))
	wantCode(t, "sequence gap", p.ErrorCode, kerr.OutOfOrderSequenceNumber)
	// The next sequence still works after the refusal.
	p = produceRaw(t, c, "idem", 0, -1, idempotentBatch(id, epoch, 4, ts, "e"))
	wantCode(t, "next in sequence", p.ErrorCode, nil)
	if p.BaseOffset != 4 {
		t.Errorf("next in sequence at %d, want 4", p.BaseOffset)
	}

	// A new epoch starts at sequence 0; after it, the old epoch is fenced.
	p = produceRaw(t, c, "idem", 0, -1, idempotentBatch(id, epoch+1, 0, ts, "new epoch"))
	wantCode(t, "bumped epoch", p.ErrorCode, nil)
	p = produceRaw(t, c, "idem", 0, -1, idempotentBatch(id, epoch, 5, ts, "old epoch"))
	wantCode(t, "old epoch", p.ErrorCode, kerr.InvalidProducerEpoch)
	if ends := endOffsets(t, n.Admin(), "idem"); ends[0] != 6 {
		t.Errorf("end offset %d, want 6", ends[0])
	}
}

func TestIdempotentSequenceRules(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "seq", 1, nil)
	c := dialRaw(t, n.Addr())
	ts := time.Now().UnixMilli()
	send := func(what string, id int64, epoch int16, seq int32, want *kerr.Error, values ...string) kmsg.ProduceResponseTopicPartition {
		t.Helper()
		p := produceRaw(t, c, "seq", 0, -1, idempotentBatch(id, epoch, seq, ts, values...))
		wantCode(t, what, p.ErrorCode, want)
		return p
	}

	// Only the last five batches are remembered: a retry of an older one
	// cannot be told from a gap and is refused, never written twice.
	id, epoch := initProducerID(t, c, 4)
	for i := range int32(7) {
		send("batch "+strconv.Itoa(int(i)), id, epoch, i, nil, "b"+strconv.Itoa(int(i)))
	}
	send("retry of the 6th-newest batch", id, epoch, 1, kerr.OutOfOrderSequenceNumber, "b1")
	if p := send("retry of the 5th-newest batch", id, epoch, 2, nil, "b2"); p.BaseOffset != 2 {
		t.Errorf("retry of batch 2 answered offset %d, want 2", p.BaseOffset)
	}

	// Sequences wrap from MaxInt32 to 0.
	id2, epoch2 := initProducerID(t, c, 4)
	send("first batch ending at MaxInt32", id2, epoch2, 2147483646, nil, "w1", "w2")
	send("sequence 0 after MaxInt32", id2, epoch2, 0, nil, "w3")

	// A new epoch must start at sequence 0.
	send("new epoch at sequence 3", id2, epoch2+1, 3, kerr.OutOfOrderSequenceNumber, "x")

	if ends := endOffsets(t, n.Admin(), "seq"); ends[0] != 10 {
		t.Errorf("end offset %d, want 10", ends[0])
	}
}

// TestIdempotentProducerUnderLoad runs franz-go's idempotent producer with
// many records in flight over several partitions: every record is stored
// exactly once, in order.
func TestIdempotentProducerUnderLoad(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "idem-load", 4, nil)
	cl := n.Client(kgo.DefaultProduceTopic("idem-load"), kgo.ProducerLinger(time.Millisecond),
		kgo.MaxBufferedRecords(10000), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	const total = 4000
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for i := range total {
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(strconv.Itoa(i))}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("produce: %v", err)
	}
	got := consumeN(t, n, "idem-load", total)
	seen := map[string]bool{}
	last := map[int32]int{}
	for _, r := range got {
		if seen[string(r.Value)] {
			t.Fatalf("record %s stored twice", r.Value)
		}
		seen[string(r.Value)] = true
		v, _ := strconv.Atoi(string(r.Value))
		if prev, ok := last[r.Partition]; ok && v < prev {
			t.Errorf("partition %d: %d after %d", r.Partition, v, prev)
		}
		last[r.Partition] = v
	}
}

// TestIdempotentStateSurvivesRestart checks that after a clean restart a
// retried batch is still recognised as a duplicate.
func TestIdempotentStateSurvivesRestart(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "idem-restart", 1, nil)
	c := dialRaw(t, n.Addr())
	id, epoch := initProducerID(t, c, 4)
	ts := time.Now().UnixMilli()
	b := idempotentBatch(id, epoch, 0, ts, "a", "b")
	wantCode(t, "first send", produceRaw(t, c, "idem-restart", 0, -1, b).ErrorCode, nil)

	n.Restart()
	c = dialRaw(t, n.Addr())
	p := produceRaw(t, c, "idem-restart", 0, -1, b)
	wantCode(t, "retry after restart", p.ErrorCode, nil)
	if p.BaseOffset != 0 {
		t.Errorf("retry after restart: base offset %d, want the original 0", p.BaseOffset)
	}
	p = produceRaw(t, c, "idem-restart", 0, -1, idempotentBatch(id, epoch, 5, ts, "gap"))
	wantCode(t, "gap after restart", p.ErrorCode, kerr.OutOfOrderSequenceNumber)
	p = produceRaw(t, c, "idem-restart", 0, -1, idempotentBatch(id, epoch, 2, ts, "c"))
	wantCode(t, "next after restart", p.ErrorCode, nil)
	if ends := endOffsets(t, n.Admin(), "idem-restart"); ends[0] != 3 {
		t.Errorf("end offset %d, want 3", ends[0])
	}
	// A fresh InitProducerId after the restart never reuses an id.
	if id2, _ := initProducerID(t, c, 4); id2 == id {
		t.Errorf("producer id %d handed out again after a restart", id2)
	}
}

package kafkaapi

// Fetch (key 1), versions 4–13.
//
// Returns stored record batches exactly as they are on disk, never decoded
// or re-encoded. Partitions are read in request order within the request's
// MaxBytes and each partition's PartitionMaxBytes; the first partition that
// has data may exceed both with one whole batch (KIP-74), so a batch larger
// than the limits still makes progress. Consumers read up to the high
// watermark; with no transactions yet the last stable offset equals it, so
// READ_COMMITTED is accepted and answers the same. Long poll: if fewer than
// MinBytes are available the request waits (on the connection's writer
// goroutine, without polling) until an append or high-watermark move makes
// enough available, MaxWaitMs passes, or the connection closes; any
// partition error answers at once.
//
// Fetch sessions (KIP-227) are declined, which the protocol allows: every
// response carries session id 0, so clients keep sending full fetches. A
// request naming a session id gets FETCH_SESSION_ID_NOT_FOUND.
// Fetch v13 names topics by id (UNKNOWN_TOPIC_ID for an unknown one).
// Follower fetches (replica id ≥ 0) read to the log end and report the
// follower's position to the leader.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
	"github.com/skiffhq/skiff/replication"
	"github.com/skiffhq/skiff/wire"
)

// fetchTarget is one requested partition, resolved once per request.
type fetchTarget struct {
	part *replication.Partition // nil if resolving failed
	err  error
	req  kmsg.FetchRequestTopicPartition
	out  *kmsg.FetchResponseTopicPartition
	set  *recordSet // records read, pinned in the log; nil if none
}

func (h *Handler) fetch(ctx context.Context, r *kmsg.FetchRequest) wire.Reply {
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = r.Version
	if r.SessionID != 0 {
		resp.ErrorCode = kerr.FetchSessionIDNotFound.Code
		return wire.Respond(resp)
	}
	targets := h.resolveFetch(r, resp)
	if len(targets) == 0 {
		return wire.Respond(resp)
	}
	return wire.RespondLater(func() kmsg.Response {
		h.serveFetch(ctx, r, targets)
		sets := make([]*recordSet, len(targets))
		for i, t := range targets {
			sets[i] = t.set
			if t.set != nil {
				h.metrics.recordOut(t.part.Topic(), t.set.size())
			}
		}
		return newFetchStream(resp, sets)
	})
}

// resolveFetch builds the response skeleton and finds each partition.
func (h *Handler) resolveFetch(r *kmsg.FetchRequest, resp *kmsg.FetchResponse) []fetchTarget {
	n := 0
	for _, rt := range r.Topics {
		n += len(rt.Partitions)
	}
	resp.Topics = make([]kmsg.FetchResponseTopic, len(r.Topics))
	targets := make([]fetchTarget, 0, n)
	for i, rt := range r.Topics {
		t := &resp.Topics[i]
		*t = kmsg.NewFetchResponseTopic()
		t.Topic, t.TopicID = rt.Topic, rt.TopicID
		t.Partitions = make([]kmsg.FetchResponseTopicPartition, len(rt.Partitions))
		for j, rp := range rt.Partitions {
			out := &t.Partitions[j]
			out.Partition = rp.Partition
			h.resetFetched(out)
			var part *replication.Partition
			var err error
			if r.Version >= 13 {
				part, err = h.deps.Partitions.PartitionByID(record.UUID(rt.TopicID), rp.Partition)
			} else {
				part, err = h.deps.Partitions.Partition(rt.Topic, rp.Partition)
			}
			targets = append(targets, fetchTarget{part: part, err: err, req: rp, out: out})
		}
	}
	return targets
}

// serveFetch fills the response, waiting for data per MinBytes/MaxWaitMs.
func (h *Handler) serveFetch(ctx context.Context, r *kmsg.FetchRequest, targets []fetchTarget) {
	wait := time.Duration(max(r.MaxWaitMillis, 0)) * time.Millisecond
	bytes, failed := h.readFetch(r, targets)
	if failed || bytes >= int(r.MinBytes) || wait == 0 {
		return
	}
	w := replication.NewWaiter()
	for _, t := range targets {
		if t.part != nil {
			t.part.Watch(w)
			defer t.part.Unwatch(w)
		}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		// Read after registering, so an append between the first read and
		// the registration is not missed.
		bytes, failed = h.readFetch(r, targets)
		if failed || bytes >= int(r.MinBytes) {
			return
		}
		select {
		case <-w.C():
		case <-timer.C:
			h.readFetch(r, targets)
			return
		case <-ctx.Done():
			return
		}
	}
}

// readFetch reads every target into its response slot and returns the
// record bytes gathered and whether any partition failed.
func (h *Handler) readFetch(r *kmsg.FetchRequest, targets []fetchTarget) (total int, failed bool) {
	remaining := int(r.MaxBytes)
	if remaining <= 0 {
		remaining = int(^uint32(0) >> 1)
	}
	minOne := true
	for i := range targets {
		t := &targets[i]
		h.resetFetched(t.out)
		if t.set != nil { // a long poll reads again: unpin the last read
			t.set.read.Release()
			t.set = nil
		}
		if t.err != nil {
			t.out.ErrorCode = errorCode(t.err)
			failed = true
			continue
		}
		limit := min(int(t.req.PartitionMaxBytes), remaining)
		res, err := t.part.ReadFile(replication.ReadRequest{
			Offset:             t.req.FetchOffset,
			MaxBytes:           int32(max(limit, 0)),
			MinOneBatch:        minOne,
			CurrentLeaderEpoch: t.req.CurrentLeaderEpoch,
			ReplicaID:          r.ReplicaID,
			Isolation:          r.IsolationLevel,
		})
		t.out.HighWatermark = res.HighWatermark
		t.out.LastStableOffset = res.LastStableOffset
		t.out.LogStartOffset = res.LogStartOffset
		if err != nil {
			t.out.ErrorCode = errorCode(err)
			failed = true
			continue
		}
		if n := res.Records.Size; n > 0 {
			t.set = &recordSet{read: res.Records}
			total += n
			remaining -= n
			minOne = false
		}
	}
	return total, failed
}

// noRecords is the empty record set every partition starts with: Kafka
// sends a zero-length set, and librdkafka rejects a null one (length -1,
// which is what kmsg writes for a nil slice).
var noRecords = []byte{}

func (h *Handler) resetFetched(out *kmsg.FetchResponseTopicPartition) {
	p := out.Partition
	*out = kmsg.NewFetchResponseTopicPartition()
	out.Partition = p
	out.RecordBatches = noRecords
}

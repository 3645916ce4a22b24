package kafkaapi

// Produce (key 0), versions 3–11.
//
// Each partition's records must be exactly one v2 record batch (Kafka's
// rule for v3+: INVALID_RECORD otherwise). The batch is validated and
// appended by the partition leader on the connection's reader goroutine, so
// appends happen in request order. acks=0 answers nothing, but closes the
// connection if any partition failed, which is how Kafka tells such a
// producer to refresh its metadata. acks=1 answers after the local append.
// acks=-1 answers once the high watermark passes the batch (every in-sync
// replica has it), or with REQUEST_TIMED_OUT after the request's timeout;
// that wait runs on the connection's writer goroutine so the reader goes on
// with pipelined requests. Transactional produce is refused until
// transactions exist. Produce v12+ (transactions v2) and v13 (topic ids)
// are not served.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/replication"
	"github.com/skiffhq/skiff/wire"
)

// awaiting is one partition of an acks=all produce waiting for replication.
type awaiting struct {
	part      *replication.Partition
	resp      *kmsg.ProduceResponseTopicPartition
	endOffset int64
}

func (h *Handler) produce(ctx context.Context, req *wire.Request, r *kmsg.ProduceRequest) wire.Reply {
	resp := kmsg.NewPtrProduceResponse()
	resp.Version = r.Version
	var waits []awaiting
	failed := false
	for _, rt := range r.Topics {
		t := kmsg.NewProduceResponseTopic()
		t.Topic = rt.Topic
		t.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		resp.Topics = append(resp.Topics, t)
		out := resp.Topics[len(resp.Topics)-1].Partitions
		for i, rp := range rt.Partitions {
			out[i] = kmsg.NewProduceResponseTopicPartition()
			out[i].Partition = rp.Partition
			part, end, err := h.produceOne(r, rt.Topic, rp)
			h.fillProduced(&out[i], part, end, err)
			if err != nil {
				failed = true
				continue
			}
			if r.Acks == -1 && !part.Replicated(end.LastOffset) {
				waits = append(waits, awaiting{part: part, resp: &out[i], endOffset: end.LastOffset})
			}
		}
	}
	switch {
	case r.Acks == 0 && failed:
		return wire.CloseConnection(errors.New("acks=0 produce failed; closing so the producer refreshes its metadata"))
	case r.Acks == 0:
		return wire.NoResponse()
	case len(waits) == 0:
		return wire.Respond(resp)
	}
	timeout := time.Duration(max(r.TimeoutMillis, 0)) * time.Millisecond
	return wire.RespondLater(func() kmsg.Response {
		wctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		for _, w := range waits {
			if err := w.part.WaitReplicated(wctx, w.endOffset); err != nil {
				w.resp.ErrorCode = errorCode(err)
				w.resp.BaseOffset = -1
			}
		}
		return resp
	})
}

// produceOne validates and appends one partition's records.
func (h *Handler) produceOne(r *kmsg.ProduceRequest, topic string, rp kmsg.ProduceRequestTopicPartition) (*replication.Partition, log.AppendResult, error) {
	if r.TransactionID != nil {
		return nil, log.AppendResult{}, kerr.TransactionalIDAuthorizationFailed
	}
	if r.Acks != 0 && r.Acks != 1 && r.Acks != -1 {
		return nil, log.AppendResult{}, kerr.InvalidRequiredAcks
	}
	if isInternalTopic(topic) {
		return nil, log.AppendResult{}, fmt.Errorf("produce to internal topic %s: %w", topic, kerr.InvalidTopicException)
	}
	part, err := h.deps.Partitions.Partition(topic, rp.Partition)
	if err != nil {
		return nil, log.AppendResult{}, err
	}
	h2, err := singleBatch(rp.Records)
	if err != nil {
		return part, log.AppendResult{}, err
	}
	res, err := part.Append(rp.Records, r.Acks)
	if err == nil && !res.Duplicate {
		h.metrics.recordIn(topic, len(rp.Records), int(h2.NumRecords))
	}
	if err != nil {
		h.metrics.recordFailedProduce(topic)
	}
	return part, res, err
}

// singleBatch enforces Kafka's v3+ rule: exactly one batch, magic 2. A batch
// too short to parse is corrupt (CORRUPT_MESSAGE); the CRC and the rest are
// checked by the log.
func singleBatch(records []byte) (batch.Header, error) {
	first, rest, ok := batch.Next(records)
	if !ok {
		if len(records) == 0 {
			return batch.Header{}, fmt.Errorf("produce v3+ needs exactly one record batch, got none: %w", kerr.InvalidRecord)
		}
		return batch.Header{}, &batch.FormatError{Reason: batch.ReasonLength, Detail: fmt.Sprintf("%d bytes hold no whole record batch", len(records))}
	}
	if len(rest) != 0 {
		return batch.Header{}, fmt.Errorf("produce v3+ allows exactly one record batch per partition: %w", kerr.InvalidRecord)
	}
	return batch.ParseHeader(first)
}

// fillProduced sets one partition's response from its append.
func (h *Handler) fillProduced(out *kmsg.ProduceResponseTopicPartition, part *replication.Partition, res log.AppendResult, err error) {
	out.ErrorCode = errorCode(err)
	if err != nil {
		out.BaseOffset = -1
		switch out.ErrorCode {
		case kerr.UnknownServerError.Code:
			h.logger.Error().Err(err).Msg("produce failed")
		case kerr.KafkaStorageError.Code:
			// A disk failure is the operator's to fix: say where, as
			// Kafka does for a failed append.
			ev := h.logger.Error().Err(err)
			if part != nil {
				ev = ev.Str("topic", part.Topic()).Int32("partition", part.Index()).Str("dir", part.Log().Dir())
			}
			ev.Msg("append failed: storage error")
		}
		if out.ErrorCode == kerr.InvalidRecord.Code || out.ErrorCode == kerr.InvalidTimestamp.Code || out.ErrorCode == kerr.CorruptMessage.Code {
			out.ErrorMessage = errorMessage(err)
		}
		for _, re := range res.RecordErrors {
			e := kmsg.NewProduceResponseTopicPartitionErrorRecord()
			e.RelativeOffset = re.Index
			msg := re.Message
			e.ErrorMessage = &msg
			out.ErrorRecords = append(out.ErrorRecords, e)
		}
		if part != nil {
			out.LogStartOffset = part.Log().StartOffset()
		}
		return
	}
	out.BaseOffset = res.FirstOffset
	out.LogAppendTime = res.LogAppendTime
	out.LogStartOffset = res.LogStartOffset
}

package kafkaapi

// ListOffsets (key 2), versions 1–8.
//
// Timestamps: -2 earliest (the log start offset), -1 latest (the high
// watermark: what a consumer can read; equal to the last stable offset
// while there are no transactions, so both isolation levels answer the
// same), -3 the record with the largest timestamp (v7+, KIP-734), -4
// earliest local (v8+, KIP-405; without tiered storage the log start), and
// any timestamp ≥ 0: the first offset whose record timestamp is at or after
// it, below the high watermark, or offset -1 when there is none. Only the
// leader answers; CurrentLeaderEpoch (v4+) is checked (KIP-320). v0's
// multi-offset form and v9+ (tiered storage) are not served.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/replication"
)

func (h *Handler) listOffsets(r *kmsg.ListOffsetsRequest) *kmsg.ListOffsetsResponse {
	resp := kmsg.NewPtrListOffsetsResponse()
	resp.Version = r.Version
	for _, rt := range r.Topics {
		t := kmsg.NewListOffsetsResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewListOffsetsResponseTopicPartition()
			p.Partition = rp.Partition
			res, err := h.listOffset(rt.Topic, rp)
			p.ErrorCode = errorCode(err)
			if err == nil {
				p.Offset, p.Timestamp, p.LeaderEpoch = res.Offset, res.Timestamp, res.LeaderEpoch
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func (h *Handler) listOffset(topic string, rp kmsg.ListOffsetsRequestTopicPartition) (replication.OffsetResult, error) {
	part, err := h.deps.Partitions.Partition(topic, rp.Partition)
	if err != nil {
		return replication.OffsetResult{}, err
	}
	return part.ListOffset(rp.Timestamp, rp.CurrentLeaderEpoch)
}

package kafkaapi

// CreateTopics (key 19), versions 0–7.
//
// The active controller validates and commits the topics (names, partition
// counts, replication factors, assignments, configs, ValidateOnly); this
// broker then waits, bounded by the admin timeout, until it has published
// them, so the client's next Metadata or Produce finds them here. If the
// controller cannot be reached every topic carries the error.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) createTopics(ctx context.Context, r *kmsg.CreateTopicsRequest) *kmsg.CreateTopicsResponse {
	resp, err := h.deps.Controller.CreateTopics(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrCreateTopicsResponse()
		for _, t := range r.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic = t.Topic
			rt.ErrorCode = errorCode(err)
			rt.ErrorMessage = errorMessage(err)
			resp.Topics = append(resp.Topics, rt)
		}
	} else if !r.ValidateOnly {
		h.afterControllerChange(ctx)
	}
	resp.Version = r.Version
	return resp
}

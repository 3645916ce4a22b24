package kafkaapi

// CreatePartitions (key 37), versions 0–3.
//
// The controller checks that the new count exceeds the current one and
// places the new partitions (or takes the given assignment); this broker
// waits until it has started them before answering.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) createPartitions(ctx context.Context, r *kmsg.CreatePartitionsRequest) *kmsg.CreatePartitionsResponse {
	resp, err := h.deps.Controller.CreatePartitions(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrCreatePartitionsResponse()
		for _, t := range r.Topics {
			rt := kmsg.NewCreatePartitionsResponseTopic()
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

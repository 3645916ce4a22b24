package kafkaapi

// InitProducerId (key 22), versions 0–4.
//
// Idempotent producers (no transactional id) get a fresh producer id at
// epoch 0 on every call, as Kafka does, including when they pass their old
// id and epoch (v3+, KIP-360): sequence state is per (id, epoch) in each
// partition, so a new id is always safe. Ids come from blocks this broker
// takes from the controller. Transactional ids are refused until the
// transaction coordinator exists (clients cannot reach one anyway:
// FindCoordinator is not served yet).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) initProducerID(ctx context.Context, r *kmsg.InitProducerIDRequest) *kmsg.InitProducerIDResponse {
	resp := kmsg.NewPtrInitProducerIDResponse()
	resp.Version = r.Version
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if r.TransactionalID != nil {
		resp.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
		return resp
	}
	id, err := h.producerIDs.next(ctx)
	if err != nil {
		h.logger.Warn().Err(err).Msg("allocate producer id")
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return resp
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return resp
}

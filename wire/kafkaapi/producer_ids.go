package kafkaapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// producerIDBlocks hands out producer ids from blocks the controller
// allocates to this broker (AllocateProducerIds, KIP-730), so the metadata
// log sees one entry per block rather than one per producer. Ids of a block
// this broker did not hand out before a restart are skipped, never reused.
type producerIDBlocks struct {
	nodeID      int32
	brokerEpoch func() int64
	ctrl        controller

	mu struct {
		sync.Mutex
		next, end int64 // the current block is [next, end)
	}
}

func newProducerIDBlocks(nodeID int32, brokerEpoch func() int64, ctrl controller) *producerIDBlocks {
	return &producerIDBlocks{nodeID: nodeID, brokerEpoch: brokerEpoch, ctrl: ctrl}
}

// next returns an unused producer id, asking the controller for a new block
// when the current one is used up. The lock is held across that call so
// concurrent producers wait for one block instead of each taking one.
func (b *producerIDBlocks) next(ctx context.Context) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.next < b.mu.end {
		id := b.mu.next
		b.mu.next++
		return id, nil
	}
	req := kmsg.NewPtrAllocateProducerIDsRequest()
	req.BrokerID = b.nodeID
	req.BrokerEpoch = b.brokerEpoch()
	resp, err := b.ctrl.AllocateProducerIDs(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("allocate producer id block: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return 0, fmt.Errorf("allocate producer id block: %w", err)
	}
	if resp.ProducerIDLen <= 0 {
		return 0, fmt.Errorf("allocate producer id block: controller returned an empty block at %d", resp.ProducerIDStart)
	}
	b.mu.next, b.mu.end = resp.ProducerIDStart+1, resp.ProducerIDStart+int64(resp.ProducerIDLen)
	return resp.ProducerIDStart, nil
}

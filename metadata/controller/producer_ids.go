package controller

import (
	"math"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// AllocateProducerIDs (key 67), v0: hands a registered broker (at its
// current epoch) the next block of ProducerIDBlockSize ids with one
// ProducerIDs record. Blocks never overlap: the record advances the
// cluster's next id, and the image refuses a record that does not.

func decideAllocateProducerIDs(img *image.Image, req *kmsg.AllocateProducerIDsRequest, e *env) (*kmsg.AllocateProducerIDsResponse, []entry) {
	resp := kmsg.NewPtrAllocateProducerIDsResponse()
	resp.Version = req.Version
	if err := checkBrokerEpoch(img, req.BrokerID, req.BrokerEpoch); err != nil {
		resp.ErrorCode = err.code()
		return resp, nil
	}
	start, size := img.NextProducerID(), e.cfg.ProducerIDBlockSize
	if start > math.MaxInt64-int64(size) {
		resp.ErrorCode = kerr.UnknownServerError.Code // Kafka: producer ids exhausted
		return resp, nil
	}
	resp.ProducerIDStart, resp.ProducerIDLen = start, size
	return resp, []entry{{
		records: []record.Record{&record.ProducerIDs{BrokerID: req.BrokerID, BrokerEpoch: req.BrokerEpoch, NextProducerID: start + int64(size)}},
		onError: func(err *apiError) {
			resp.ErrorCode, resp.ProducerIDStart, resp.ProducerIDLen = err.code(), 0, 0
		},
	}}
}

// checkBrokerEpoch is Kafka's ClusterControlManager.checkBrokerEpoch: the
// broker must be registered with exactly this epoch.
func checkBrokerEpoch(img *image.Image, id int32, epoch int64) *apiError {
	b, ok := img.Broker(id)
	if !ok {
		return errorf(kerr.StaleBrokerEpoch, "No broker registration found for broker %d", id)
	}
	if b.Epoch != epoch {
		return errorf(kerr.StaleBrokerEpoch, "Expected broker epoch %d, but got broker epoch %d", b.Epoch, epoch)
	}
	return nil
}

package kafkaapi

// DescribeCluster (key 60), versions 0–1.
//
// The live brokers with their endpoint on the listener the request came in
// on, the cluster id, the controller id clients are told (see Metadata),
// and, when asked, every cluster operation (no authorizer yet). v1's
// EndpointType 2 (controllers, KIP-919) is answered with
// UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker does: controllers answer
// that themselves on their own listener.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/wire"
)

const endpointTypeBrokers int8 = 1

func (h *Handler) describeCluster(req *wire.Request, r *kmsg.DescribeClusterRequest) *kmsg.DescribeClusterResponse {
	resp := kmsg.NewPtrDescribeClusterResponse()
	resp.Version = r.Version
	if r.Version >= 1 && r.EndpointType != endpointTypeBrokers {
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		msg := "this listener serves broker endpoints only"
		resp.ErrorMessage = &msg
		return resp
	}
	img := h.deps.Partitions.Image()
	resp.EndpointType = endpointTypeBrokers
	resp.ClusterID = h.cfg.ClusterID
	resp.ControllerID = h.controllerForClients(img)
	if r.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = allClusterOperations
	}
	for _, b := range brokersFor(img, req.Conn.Listener) {
		db := kmsg.NewDescribeClusterResponseBroker()
		db.NodeID, db.Host, db.Port, db.Rack = b.NodeID, b.Host, b.Port, b.Rack
		resp.Brokers = append(resp.Brokers, db)
	}
	return resp
}

package kafkaapi

// Metadata (key 3), versions 0–12.
//
// Answers from the image this broker has published (applied to its
// partitions), never from a newer committed one, so a client is never sent
// to a leader that is not serving yet. Topics may be named or given by id
// (v10+). An unknown topic is created when auto.create.topics.enable is on
// and the request allows it (always for v0–v3, AllowAutoTopicCreation from
// v4): creation goes through the controller and this broker waits until it
// has published the new topic, so the answer already carries its leaders
// (Kafka answers LEADER_NOT_AVAILABLE first and makes the client retry).
// Brokers are listed with their endpoint for the listener the request came
// in on, as Kafka does. Without an authorizer every operation is allowed,
// so authorized-operation bitfields (v8+) list all of them when asked.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
	"github.com/skiffhq/skiff/wire"
)

// notRequestedOperations is Kafka's "authorized operations not requested".
const notRequestedOperations int32 = -2147483648

// Bitfields of every ACL operation that applies to a topic or the cluster
// (Kafka's AclOperation codes), for a broker without an authorizer.
const (
	allTopicOperations   int32 = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	allClusterOperations int32 = 1<<4 | 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
)

func (h *Handler) metadata(ctx context.Context, req *wire.Request, r *kmsg.MetadataRequest) *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = r.Version
	img := h.deps.Partitions.Image()
	all := r.Topics == nil || (r.Version == 0 && len(r.Topics) == 0)
	if !all {
		img = h.autoCreate(ctx, img, r)
	}
	resp.ClusterID = &h.cfg.ClusterID
	resp.ControllerID = h.controllerForClients(img)
	resp.Brokers = brokersFor(img, req.Conn.Listener)
	if r.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = allClusterOperations
	}
	if all {
		for t := range img.Topics() {
			resp.Topics = append(resp.Topics, topicMetadata(img, t, r.IncludeTopicAuthorizedOperations))
		}
		return resp
	}
	for _, rt := range r.Topics {
		resp.Topics = append(resp.Topics, h.requestedTopic(img, rt, r.IncludeTopicAuthorizedOperations))
	}
	return resp
}

func (h *Handler) requestedTopic(img *image.Image, rt kmsg.MetadataRequestTopic, withOps bool) kmsg.MetadataResponseTopic {
	if rt.Topic == nil {
		t, ok := img.TopicByID(record.UUID(rt.TopicID))
		if !ok {
			mt := kmsg.NewMetadataResponseTopic()
			mt.TopicID = rt.TopicID
			mt.ErrorCode = kerr.UnknownTopicID.Code
			return mt
		}
		return topicMetadata(img, t, withOps)
	}
	t, ok := img.Topic(*rt.Topic)
	if !ok {
		mt := kmsg.NewMetadataResponseTopic()
		mt.Topic = rt.Topic
		mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
		if err := validTopicName(*rt.Topic); err != nil {
			mt.ErrorCode = kerr.InvalidTopicException.Code
		}
		return mt
	}
	return topicMetadata(img, t, withOps)
}

// autoCreate creates the requested topics that do not exist, if allowed,
// and returns the image to answer from. Names the controller refuses keep
// their error through requestedTopic (unknown or invalid).
func (h *Handler) autoCreate(ctx context.Context, img *image.Image, r *kmsg.MetadataRequest) *image.Image {
	allowed := h.cfg.AutoCreateTopics && (r.Version < 4 || r.AllowAutoTopicCreation)
	if !allowed {
		return img
	}
	create := kmsg.NewPtrCreateTopicsRequest()
	create.TimeoutMillis = int32(h.cfg.AdminTimeout.Milliseconds())
	seen := make(map[string]bool)
	for _, rt := range r.Topics {
		// Internal topics are created by their coordinators with their own
		// settings (compacted, offsets.topic.num.partitions), never by a
		// client's Metadata request.
		if rt.Topic == nil || seen[*rt.Topic] || validTopicName(*rt.Topic) != nil || isInternalTopic(*rt.Topic) {
			continue
		}
		if _, ok := img.Topic(*rt.Topic); ok {
			continue
		}
		seen[*rt.Topic] = true
		ct := kmsg.NewCreateTopicsRequestTopic()
		ct.Topic = *rt.Topic
		ct.NumPartitions, ct.ReplicationFactor = -1, -1
		create.Topics = append(create.Topics, ct)
	}
	if len(create.Topics) == 0 {
		return img
	}
	resp, err := h.deps.Controller.CreateTopics(ctx, create)
	if err != nil {
		h.logger.Warn().Err(err).Int("topics", len(create.Topics)).Msg("auto-create topics")
		return img
	}
	for _, t := range resp.Topics {
		if t.ErrorCode != 0 && t.ErrorCode != kerr.TopicAlreadyExists.Code {
			h.logger.Info().Str("topic", t.Topic).Int16("error_code", t.ErrorCode).Msg("auto-create refused")
		}
	}
	h.afterControllerChange(ctx)
	return h.deps.Partitions.Image()
}

func topicMetadata(img *image.Image, t *image.Topic, withOps bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name()
	mt.Topic = &name
	mt.TopicID = t.ID()
	mt.IsInternal = isInternalTopic(name)
	mt.AuthorizedOperations = notRequestedOperations
	if withOps {
		mt.AuthorizedOperations = allTopicOperations
	}
	mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, t.NumPartitions())
	for p := range t.Partitions() {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = p.ID
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = p.Replicas
		mp.ISR = p.ISR
		mp.OfflineReplicas = offlineReplicas(img, p.Replicas)
		if p.Leader == record.NoLeader {
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}

// offlineReplicas are replicas on brokers that are fenced or gone.
func offlineReplicas(img *image.Image, replicas []int32) []int32 {
	var off []int32
	for _, id := range replicas {
		if b, ok := img.Broker(id); !ok || b.Fenced {
			off = append(off, id)
		}
	}
	return off
}

// brokersFor lists the live brokers with their endpoint on listener.
func brokersFor(img *image.Image, listener string) []kmsg.MetadataResponseBroker {
	var out []kmsg.MetadataResponseBroker
	for b := range img.Brokers() {
		if b.Fenced {
			continue
		}
		ep, ok := b.Endpoint(listener)
		if !ok {
			continue
		}
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID = b.ID
		mb.Host = ep.Host
		mb.Port = int32(ep.Port)
		if b.Rack != "" {
			rack := b.Rack
			mb.Rack = &rack
		}
		out = append(out, mb)
	}
	return out
}

// controllerForClients is the "controller id" clients are told. Clients
// cannot reach KRaft controllers, so Kafka names a live broker there, to
// which admin clients send requests that brokers forward. Skiff names the
// active controller when it is also a live broker, else the lowest live
// broker.
func (h *Handler) controllerForClients(img *image.Image) int32 {
	if id, ok := h.deps.ActiveController(); ok {
		if b, ok := img.Broker(id); ok && !b.Fenced {
			return id
		}
	}
	for b := range img.Brokers() {
		if !b.Fenced {
			return b.ID
		}
	}
	return -1
}

// isInternalTopic reports Kafka's internal topics.
func isInternalTopic(name string) bool {
	return name == "__consumer_offsets" || name == "__transaction_state"
}

package controller

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

// The responses a controller sends when it cannot act at all (it is not
// the active controller): every item carries the same error.

func createTopicsFailed(req *kmsg.CreateTopicsRequest, err *apiError) *kmsg.CreateTopicsResponse {
	resp := kmsg.NewPtrCreateTopicsResponse()
	resp.Version = req.Version
	for _, t := range req.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, err.code(), err.message()
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

func deleteTopicsFailed(req *kmsg.DeleteTopicsRequest, err *apiError) *kmsg.DeleteTopicsResponse {
	resp := kmsg.NewPtrDeleteTopicsResponse()
	resp.Version = req.Version
	add := func(name *string, id [16]byte) {
		rt := kmsg.NewDeleteTopicsResponseTopic()
		rt.Topic, rt.TopicID, rt.ErrorCode, rt.ErrorMessage = name, id, err.code(), err.message()
		resp.Topics = append(resp.Topics, rt)
	}
	for _, n := range req.TopicNames {
		add(&n, record.ZeroUUID)
	}
	for _, t := range req.Topics {
		add(t.Topic, t.TopicID)
	}
	return resp
}

func createPartitionsFailed(req *kmsg.CreatePartitionsRequest, err *apiError) *kmsg.CreatePartitionsResponse {
	resp := kmsg.NewPtrCreatePartitionsResponse()
	resp.Version = req.Version
	for _, t := range req.Topics {
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, err.code(), err.message()
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

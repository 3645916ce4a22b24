package controller

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// CreatePartitions (key 37), v0-v3: grows topics to Count partitions, with
// manual assignments for the new ones or automatic placement at the
// topic's current replication factor. One entry per topic with its new
// Partition records. Not here: mutation quotas, authorization.

func decideCreatePartitions(img *image.Image, req *kmsg.CreatePartitionsRequest, e *env) (*kmsg.CreatePartitionsResponse, []entry) {
	resp := kmsg.NewPtrCreatePartitionsResponse()
	resp.Version = req.Version
	dups := duplicateNames(req.Topics, func(t kmsg.CreatePartitionsRequestTopic) string { return t.Topic })
	tooMany := totalAddedPartitions(img, req.Topics) > int64(e.cfg.MaxPartitionsPerRequest)
	var entries []entry
	for _, t := range req.Topics {
		if dups[t.Topic] == dupAnswered {
			continue
		}
		var err *apiError
		var recs []record.Record
		switch {
		case dups[t.Topic] == dupPending:
			dups[t.Topic] = dupAnswered
			err = errorf(kerr.InvalidRequest, "Duplicate topic name.")
		case tooMany:
			err = errorf(kerr.PolicyViolation, "Excessively large number of partitions per request.")
		default:
			recs, err = planAddPartitions(img, t, e)
		}
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic = t.Topic
		rt.ErrorCode, rt.ErrorMessage = err.code(), err.message()
		resp.Topics = append(resp.Topics, rt)
		if err != nil || req.ValidateOnly {
			continue
		}
		i := len(resp.Topics) - 1
		entries = append(entries, entry{records: recs, onError: func(err *apiError) {
			resp.Topics[i].ErrorCode, resp.Topics[i].ErrorMessage = err.code(), err.message()
		}})
	}
	return resp, entries
}

func totalAddedPartitions(img *image.Image, topics []kmsg.CreatePartitionsRequestTopic) int64 {
	var total int64
	for _, t := range topics {
		if top, ok := img.Topic(t.Topic); ok && int(t.Count) > top.NumPartitions() {
			total += int64(int(t.Count) - top.NumPartitions())
		}
	}
	return total
}

func planAddPartitions(img *image.Image, t kmsg.CreatePartitionsRequestTopic, e *env) ([]record.Record, *apiError) {
	top, ok := img.Topic(t.Topic)
	if !ok {
		return nil, errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", t.Topic)
	}
	current := top.NumPartitions()
	switch {
	case int(t.Count) == current:
		return nil, errorf(kerr.InvalidPartitions, "Topic already has %d partition(s).", current)
	case int(t.Count) < current:
		return nil, errorf(kerr.InvalidPartitions, "The topic %s currently has %d partition(s); %d would not be an increase.", t.Topic, current, t.Count)
	}
	add := int(t.Count) - current
	rf := 1
	if p0, ok := top.Partition(0); ok {
		rf = len(p0.Replicas)
	}
	var assignments [][]int32
	if t.Assignment != nil {
		if len(t.Assignment) != add {
			return nil, errorf(kerr.InvalidReplicaAssignment, "Attempted to add %d additional partition(s), but only %d assignment(s) were specified.", add, len(t.Assignment))
		}
		for i, a := range t.Assignment {
			if err := validateManualAssignment(img, int32(current+i), a.Replicas, rf); err != nil {
				return nil, err
			}
			assignments = append(assignments, slices.Clone(a.Replicas))
		}
	} else {
		var err *apiError
		if assignments, err = placeAutomatically(img, e, int32(current), add, rf); err != nil {
			return nil, err
		}
	}
	return newPartitionRecords(img, top.ID(), int32(current), assignments), nil
}

package controller

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// DeleteTopics (key 20), v0-v6: by name (TopicNames before v6, Topics[].Topic
// from v6) or by id (v6+). One RemoveTopic entry per topic; the image drops
// its partitions and config overrides with it. Checks follow Kafka's
// ControllerApis.deleteTopics: a name and an id together, neither, or the
// same topic twice are INVALID_REQUEST. Not here: delete.topic.enable,
// authorization.

// deleteTarget is one topic a DeleteTopics request names.
type deleteTarget struct {
	name *string
	id   record.UUID
}

// decideDeleteTopics returns the response and one entry per topic to
// delete.
func decideDeleteTopics(img *image.Image, req *kmsg.DeleteTopicsRequest) (*kmsg.DeleteTopicsResponse, []entry) {
	resp := kmsg.NewPtrDeleteTopicsResponse()
	resp.Version = req.Version
	answer := func(name *string, id record.UUID, err *apiError) int {
		rt := kmsg.NewDeleteTopicsResponseTopic()
		rt.Topic, rt.TopicID = name, id
		rt.ErrorCode, rt.ErrorMessage = err.code(), err.message()
		resp.Topics = append(resp.Topics, rt)
		return len(resp.Topics) - 1
	}
	var entries []entry
	for _, target := range resolveDeleteTargets(req, answer) {
		var top *image.Topic
		var ok bool
		if target.name != nil {
			top, ok = img.Topic(*target.name)
			if !ok {
				answer(target.name, record.ZeroUUID, errorf(kerr.UnknownTopicOrPartition, "This server does not host this topic-partition."))
				continue
			}
		} else if top, ok = img.TopicByID(target.id); !ok {
			answer(nil, target.id, errorf(kerr.UnknownTopicID, "This server does not host this topic ID."))
			continue
		}
		name := top.Name()
		i := answer(&name, top.ID(), nil)
		entries = append(entries, entry{
			records: []record.Record{&record.RemoveTopic{TopicID: top.ID()}},
			onError: func(err *apiError) {
				resp.Topics[i].ErrorCode, resp.Topics[i].ErrorMessage = err.code(), err.message()
			},
		})
	}
	return resp, dedupeByID(entries)
}

// resolveDeleteTargets lists the distinct topics a request names, and
// answers the malformed and duplicated ones.
func resolveDeleteTargets(req *kmsg.DeleteTopicsRequest, answer func(*string, record.UUID, *apiError) int) []deleteTarget {
	var targets []deleteTarget
	names, ids := map[string]int{}, map[record.UUID]int{}
	addName := func(n string) { names[n]++; targets = append(targets, deleteTarget{name: &n}) }
	for _, n := range req.TopicNames {
		addName(n)
	}
	for _, t := range req.Topics {
		id := record.UUID(t.TopicID)
		switch {
		case t.Topic == nil && id.IsZero():
			answer(nil, id, errorf(kerr.InvalidRequest, "Neither topic name nor id were specified."))
		case t.Topic != nil && !id.IsZero():
			answer(t.Topic, id, errorf(kerr.InvalidRequest, "You may not specify both topic name and topic id."))
		case t.Topic != nil:
			addName(*t.Topic)
		default:
			ids[id]++
			targets = append(targets, deleteTarget{id: id})
		}
	}
	var out []deleteTarget
	for _, t := range targets {
		switch {
		case t.name != nil && names[*t.name] > 1:
			names[*t.name] = -1 // answered
			answer(t.name, record.ZeroUUID, errorf(kerr.InvalidRequest, "Duplicate topic name."))
		case t.name == nil && ids[t.id] > 1:
			ids[t.id] = -1
			answer(nil, t.id, errorf(kerr.InvalidRequest, "Duplicate topic id."))
		case t.name != nil && names[*t.name] == -1, t.name == nil && ids[t.id] == -1:
		default:
			out = append(out, t)
		}
	}
	return out
}

// dedupeByID handles a name and an id that resolve to the same topic in
// one request: Kafka answers INVALID_REQUEST for the name and deletes
// nothing twice. The first entry for a topic id is kept; later ones are
// dropped and their response marked.
func dedupeByID(entries []entry) []entry {
	seen := map[record.UUID]bool{}
	out := entries[:0]
	for _, e := range entries {
		id := e.records[0].(*record.RemoveTopic).TopicID
		if seen[id] {
			e.onError(errorf(kerr.InvalidRequest, "The provided topic name maps to an ID that was already supplied."))
			continue
		}
		seen[id] = true
		out = append(out, e)
	}
	return out
}

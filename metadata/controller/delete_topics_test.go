package controller

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

func byName(n string) kmsg.DeleteTopicsRequestTopic {
	t := kmsg.NewDeleteTopicsRequestTopic()
	t.Topic = &n
	return t
}

func byID(id record.UUID) kmsg.DeleteTopicsRequestTopic {
	t := kmsg.NewDeleteTopicsRequestTopic()
	t.TopicID = id
	return t
}

type deleteAnswer struct {
	name string
	id   record.UUID
	code int16
}

func TestDeleteTopics(t *testing.T) {
	idA, idB := record.UUID{0xa}, record.UUID{0xb}
	both := byName("a")
	both.TopicID = idA
	tests := []struct {
		name    string
		version int16
		names   []string
		topics  []kmsg.DeleteTopicsRequestTopic
		want    []deleteAnswer
		deletes []record.UUID
	}{
		{"by name v5", 5, []string{"a", "b"}, nil,
			[]deleteAnswer{{"a", idA, 0}, {"b", idB, 0}}, []record.UUID{idA, idB}},
		{"unknown name", 5, []string{"nope"}, nil,
			[]deleteAnswer{{"nope", record.ZeroUUID, kerr.UnknownTopicOrPartition.Code}}, nil},
		{"by id v6", 6, nil, []kmsg.DeleteTopicsRequestTopic{byID(idB)},
			[]deleteAnswer{{"b", idB, 0}}, []record.UUID{idB}},
		{"unknown id", 6, nil, []kmsg.DeleteTopicsRequestTopic{byID(record.UUID{0xee})},
			[]deleteAnswer{{"", record.UUID{0xee}, kerr.UnknownTopicID.Code}}, nil},
		{"name and id together", 6, nil, []kmsg.DeleteTopicsRequestTopic{both},
			[]deleteAnswer{{"a", idA, kerr.InvalidRequest.Code}}, nil},
		{"neither name nor id", 6, nil, []kmsg.DeleteTopicsRequestTopic{byID(record.ZeroUUID)},
			[]deleteAnswer{{"", record.ZeroUUID, kerr.InvalidRequest.Code}}, nil},
		{"duplicate name", 6, nil, []kmsg.DeleteTopicsRequestTopic{byName("a"), byName("a"), byName("b")},
			[]deleteAnswer{{"a", record.ZeroUUID, kerr.InvalidRequest.Code}, {"b", idB, 0}}, []record.UUID{idB}},
		{"duplicate id", 6, nil, []kmsg.DeleteTopicsRequestTopic{byID(idA), byID(idA)},
			[]deleteAnswer{{"", idA, kerr.InvalidRequest.Code}}, nil},
		{"name and id of the same topic", 6, nil, []kmsg.DeleteTopicsRequestTopic{byID(idA), byName("a")},
			[]deleteAnswer{{"a", idA, 0}, {"a", idA, kerr.InvalidRequest.Code}}, []record.UUID{idA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t).brokers("")
			c.apply(&record.Topic{Name: "a", TopicID: idA}, &record.Topic{Name: "b", TopicID: idB})
			req := kmsg.NewPtrDeleteTopicsRequest()
			req.Version, req.TopicNames, req.Topics = tt.version, tt.names, tt.topics
			resp, entries := decideDeleteTopics(c.img, req)
			var got []deleteAnswer
			for _, rt := range resp.Topics {
				got = append(got, deleteAnswer{strOrEmpty(rt.Topic), rt.TopicID, rt.ErrorCode})
				if (rt.ErrorCode != 0) != (rt.ErrorMessage != nil) {
					t.Errorf("%v: message %v with code %d", rt.Topic, rt.ErrorMessage, rt.ErrorCode)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("answers %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("answer %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if len(entries) != len(tt.deletes) {
				t.Fatalf("%d entries, want %d", len(entries), len(tt.deletes))
			}
			for i, e := range entries {
				if rm := e.records[0].(*record.RemoveTopic); rm.TopicID != tt.deletes[i] {
					t.Fatalf("entry %d removes %v", i, rm.TopicID)
				}
			}
			c.commit(entries)
		})
	}
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestDeleteTopicsProposalFailure(t *testing.T) {
	c := newCluster(t)
	c.apply(&record.Topic{Name: "a", TopicID: record.UUID{1}})
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version, req.TopicNames = 4, []string{"a"}
	resp, entries := decideDeleteTopics(c.img, req)
	entries[0].onError(errorf(kerr.NotController, ""))
	if resp.Topics[0].ErrorCode != kerr.NotController.Code {
		t.Fatal("proposal failure not reported")
	}
}

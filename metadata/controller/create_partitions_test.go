package controller

import (
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

func growReq(name string, count int32, assignments ...[]int32) kmsg.CreatePartitionsRequestTopic {
	t := kmsg.NewCreatePartitionsRequestTopic()
	t.Topic, t.Count = name, count
	for _, a := range assignments {
		t.Assignment = append(t.Assignment, kmsg.CreatePartitionsRequestTopicAssignment{Replicas: a})
	}
	return t
}

// grownCluster has brokers 1-3 unfenced, broker 4 fenced, and topic
// "t" with 2 partitions at replication factor 2.
func grownCluster(t *testing.T) *cluster {
	c := newCluster(t).brokers("", "", "", "").fence(4)
	id := record.UUID{7}
	c.apply(&record.Topic{Name: "t", TopicID: id},
		&record.Partition{TopicID: id, PartitionID: 0, Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1},
		&record.Partition{TopicID: id, PartitionID: 1, Replicas: []int32{2, 3}, ISR: []int32{2, 3}, Leader: 2})
	return c
}

func TestCreatePartitionsErrors(t *testing.T) {
	empty := growReq("t", 3)
	empty.Assignment = []kmsg.CreatePartitionsRequestTopicAssignment{}
	tests := []struct {
		name  string
		topic kmsg.CreatePartitionsRequestTopic
		code  *kerr.Error
		msg   string
	}{
		{"unknown topic", growReq("nope", 3), kerr.UnknownTopicOrPartition, "does not exist"},
		{"same count", growReq("t", 2), kerr.InvalidPartitions, "already has 2 partition(s)"},
		{"fewer", growReq("t", 1), kerr.InvalidPartitions, "would not be an increase"},
		{"too few assignments", growReq("t", 4, []int32{1, 2}), kerr.InvalidReplicaAssignment, "add 2 additional partition(s), but only 1"},
		{"empty assignment list", empty, kerr.InvalidReplicaAssignment, "but only 0"},
		{"wrong rf", growReq("t", 3, []int32{1}), kerr.InvalidReplicaAssignment, "inconsistent with previous partitions, which have 2"},
		{"unknown broker", growReq("t", 3, []int32{1, 8}), kerr.InvalidReplicaAssignment, "broker 8"},
		{"repeated broker", growReq("t", 3, []int32{2, 2}), kerr.InvalidReplicaAssignment, "more than once"},
		{"not enough brokers", growReq("t", 3), kerr.InvalidReplicationFactor, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := grownCluster(t)
			if tt.name == "not enough brokers" {
				c.fence(2).fence(3)
			}
			req := kmsg.NewPtrCreatePartitionsRequest()
			req.Topics = []kmsg.CreatePartitionsRequestTopic{tt.topic}
			resp, entries := decideCreatePartitions(c.img, req, testEnv(testConfig()))
			rt := resp.Topics[0]
			if len(entries) != 0 || rt.ErrorCode != tt.code.Code || !strings.Contains(strOrNil(rt.ErrorMessage), tt.msg) {
				t.Fatalf("got %d %q (%d entries), want %s %q", rt.ErrorCode, strOrNil(rt.ErrorMessage), len(entries), tt.code.Message, tt.msg)
			}
		})
	}
}

func TestCreatePartitions(t *testing.T) {
	c := grownCluster(t)
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.Topics = []kmsg.CreatePartitionsRequestTopic{growReq("t", 5), growReq("nope", 2), growReq("t", 9)}
	resp, entries := decideCreatePartitions(c.img, req, testEnv(testConfig()))
	if len(resp.Topics) != 2 || resp.Topics[0].ErrorCode != kerr.InvalidRequest.Code || resp.Topics[1].ErrorCode != kerr.UnknownTopicOrPartition.Code || len(entries) != 0 {
		t.Fatalf("duplicates: %+v", resp.Topics)
	}

	req.Topics = []kmsg.CreatePartitionsRequestTopic{growReq("t", 5)}
	resp, entries = decideCreatePartitions(c.img, req, testEnv(testConfig()))
	if resp.Topics[0].ErrorCode != 0 || len(entries) != 1 {
		t.Fatalf("grow failed: %+v", resp.Topics[0])
	}
	c.commit(entries)
	top, _ := c.img.Topic("t")
	if top.NumPartitions() != 5 {
		t.Fatalf("%d partitions", top.NumPartitions())
	}
	for p := range top.Partitions() {
		if len(p.Replicas) != 2 || slices.Contains(p.Replicas, 4) {
			t.Fatalf("partition %d placed on %v (rf 2, broker 4 fenced)", p.ID, p.Replicas)
		}
	}

	req.Topics = []kmsg.CreatePartitionsRequestTopic{growReq("t", 6, []int32{3, 1})}
	req.ValidateOnly = true
	if resp, entries = decideCreatePartitions(c.img, req, testEnv(testConfig())); resp.Topics[0].ErrorCode != 0 || len(entries) != 0 {
		t.Fatal("validate only wrote entries")
	}
	req.ValidateOnly = false
	_, entries = decideCreatePartitions(c.img, req, testEnv(testConfig()))
	c.commit(entries)
	if p, _ := c.img.Partition("t", 5); !slices.Equal(p.Replicas, []int32{3, 1}) || p.Leader != 3 {
		t.Fatalf("manual partition %+v", p)
	}
}

package controller

import (
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

func topicReq(name string, partitions int32, rf int16, configs ...string) kmsg.CreateTopicsRequestTopic {
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	for i := 0; i+1 < len(configs); i += 2 {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = configs[i], str(configs[i+1])
		t.Configs = append(t.Configs, c)
	}
	return t
}

func assigned(name string, replicas ...[]int32) kmsg.CreateTopicsRequestTopic {
	t := topicReq(name, -1, -1)
	for p, rs := range replicas {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(p), rs
		t.ReplicaAssignment = append(t.ReplicaAssignment, a)
	}
	return t
}

func createReq(topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = 7
	req.Topics = topics
	return req
}

func TestCreateTopicsErrors(t *testing.T) {
	long := strings.Repeat("x", 250)
	nullConfig := topicReq("t", 1, 1)
	nullConfig.Configs = []kmsg.CreateTopicsRequestTopicConfig{{Name: "retention.ms"}}
	dupConfig := topicReq("t", 1, 1, "retention.ms", "1", "retention.ms", "2")
	rfWithAssignment := assigned("t", []int32{1})
	rfWithAssignment.ReplicationFactor = 1
	npWithAssignment := assigned("t", []int32{1})
	npWithAssignment.NumPartitions = 3
	dupPartition := assigned("t", []int32{1}, []int32{2})
	dupPartition.ReplicaAssignment[1].Partition = 0
	gap := assigned("t", []int32{1}, []int32{2})
	gap.ReplicaAssignment[1].Partition = 5
	tests := []struct {
		name  string
		topic kmsg.CreateTopicsRequestTopic
		code  *kerr.Error
		msg   string
	}{
		{"empty name", topicReq("", 1, 1), kerr.InvalidTopicException, "can't be empty"},
		{"dot", topicReq(".", 1, 1), kerr.InvalidTopicException, `cannot be "." or ".."`},
		{"dot dot", topicReq("..", 1, 1), kerr.InvalidTopicException, `cannot be "." or ".."`},
		{"too long", topicReq(long, 1, 1), kerr.InvalidTopicException, "longer than 249"},
		{"bad char", topicReq("a b", 1, 1), kerr.InvalidTopicException, "character other than"},
		{"metadata log name", topicReq("@metadata", 1, 1), kerr.InvalidTopicException, "character other than"},
		{"exists", topicReq("orders", 1, 1), kerr.TopicAlreadyExists, "Topic 'orders' already exists."},
		{"collides", topicReq("my_topic", 1, 1), kerr.InvalidTopicException, "collides with existing topic: my.topic"},
		{"null config", nullConfig, kerr.InvalidConfig, "Null value not supported"},
		{"duplicate config", dupConfig, kerr.InvalidRequest, "Duplicate config key"},
		{"unknown config", topicReq("t", 1, 1, "retension.ms", "1"), kerr.InvalidConfig, "Unknown topic config name: retension.ms"},
		{"bad config value", topicReq("t", 1, 1, "retention.ms", "soon"), kerr.InvalidConfig, "Not a number"},
		{"zero partitions", topicReq("t", 0, 1), kerr.InvalidPartitions, "non-positive"},
		{"negative partitions", topicReq("t", -2, 1), kerr.InvalidPartitions, "non-positive"},
		{"zero rf", topicReq("t", 1, 0), kerr.InvalidReplicationFactor, "larger than 0"},
		{"negative rf", topicReq("t", 1, -3), kerr.InvalidReplicationFactor, "larger than 0"},
		{"rf above brokers", topicReq("t", 1, 4), kerr.InvalidReplicationFactor, "only 3 broker(s) are registered"},
		{"assignment with rf", rfWithAssignment, kerr.InvalidRequest, "replication factor was not set to -1"},
		{"assignment with partitions", npWithAssignment, kerr.InvalidRequest, "numPartitions was not set to -1"},
		{"assignment empty replicas", assigned("t", []int32{}), kerr.InvalidReplicaAssignment, "empty replica list"},
		{"assignment unknown broker", assigned("t", []int32{1, 9}), kerr.InvalidReplicaAssignment, "broker 9, but no such broker"},
		{"assignment repeated broker", assigned("t", []int32{1, 1}), kerr.InvalidReplicaAssignment, "broker 1 more than once"},
		{"assignment uneven rf", assigned("t", []int32{1, 2}, []int32{3}), kerr.InvalidReplicaAssignment, "inconsistent with previous partitions"},
		{"assignment duplicate partition", dupPartition, kerr.InvalidReplicaAssignment, "multiple manual partition assignments"},
		{"assignment gap", gap, kerr.InvalidReplicaAssignment, "consecutive 0-based"},
		{"assignment only fenced", assigned("t", []int32{4}), kerr.InvalidReplicaAssignment, "are fenced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t).brokers("", "", "", "").fence(4)
			c.apply(&record.Topic{Name: "orders", TopicID: record.UUID{1}}, &record.Topic{Name: "my.topic", TopicID: record.UUID{2}})
			resp, entries := decideCreateTopics(c.img, createReq(tt.topic), testEnv(testConfig()))
			if len(entries) != 0 {
				t.Fatalf("wrote %d entries for a failed topic", len(entries))
			}
			rt := resp.Topics[0]
			if rt.ErrorCode != tt.code.Code || rt.ErrorMessage == nil || !strings.Contains(*rt.ErrorMessage, tt.msg) {
				t.Fatalf("got %s %v, want %s %q", kerr.ErrorForCode(rt.ErrorCode), strOrNil(rt.ErrorMessage), tt.code.Message, tt.msg)
			}
			if rt.NumPartitions != -1 || rt.ReplicationFactor != -1 || rt.TopicID != record.ZeroUUID {
				t.Fatalf("failed topic reports partitions %d rf %d id %v", rt.NumPartitions, rt.ReplicationFactor, rt.TopicID)
			}
		})
	}
}

func strOrNil(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestCreateTopicsSuccess(t *testing.T) {
	c := newCluster(t).brokers("", "", "")
	req := createReq(
		topicReq("orders", 6, 3, "retention.ms", "1000", "cleanup.policy", "compact"),
		topicReq("defaults", -1, -1),
		assigned("manual", []int32{3, 1}, []int32{2, 3}),
	)
	resp, entries := decideCreateTopics(c.img, req, testEnv(testConfig()))
	if len(entries) != 3 {
		t.Fatalf("want one entry per topic, got %d", len(entries))
	}
	for _, rt := range resp.Topics {
		if rt.ErrorCode != 0 || rt.ErrorMessage != nil {
			t.Fatalf("%s failed: %v", rt.Topic, strOrNil(rt.ErrorMessage))
		}
	}
	c.commit(entries)

	orders, _ := c.img.Topic("orders")
	if orders.NumPartitions() != 6 || resp.Topics[0].NumPartitions != 6 || resp.Topics[0].ReplicationFactor != 3 {
		t.Fatalf("orders: %d partitions, response %d/%d", orders.NumPartitions(), resp.Topics[0].NumPartitions, resp.Topics[0].ReplicationFactor)
	}
	if record.UUID(resp.Topics[0].TopicID) != orders.ID() {
		t.Fatal("response topic id differs from the created one")
	}
	if got := c.img.TopicConfigs("orders"); got["retention.ms"] != "1000" || got["cleanup.policy"] != "compact" {
		t.Fatalf("configs %v", got)
	}
	if n := len(resp.Topics[0].Configs); n != 2 || resp.Topics[0].Configs[0].Name != "cleanup.policy" || resp.Topics[0].Configs[0].Source != configSourceDynamicTopic {
		t.Fatalf("response configs %+v", resp.Topics[0].Configs)
	}
	for p := range orders.Partitions() {
		if p.Leader != p.Replicas[0] || !slices.Equal(p.ISR, p.Replicas) || p.LeaderEpoch != 0 || p.PartitionEpoch != 0 {
			t.Fatalf("partition %d: %+v", p.ID, p)
		}
	}
	defaults, _ := c.img.Topic("defaults")
	if p, _ := defaults.Partition(0); defaults.NumPartitions() != 1 || len(p.Replicas) != 1 {
		t.Fatal("defaults not applied: num.partitions=1, default.replication.factor=1")
	}
	manual, _ := c.img.Topic("manual")
	if p, _ := manual.Partition(0); !slices.Equal(p.Replicas, []int32{3, 1}) || p.Leader != 3 {
		t.Fatalf("manual assignment not kept: %+v", p)
	}
}

func TestCreateTopicsRequestLevelRules(t *testing.T) {
	c := newCluster(t).brokers("")
	t.Run("duplicates answered once, others proceed", func(t *testing.T) {
		resp, entries := decideCreateTopics(c.img, createReq(topicReq("a", 1, 1), topicReq("b", 1, 1), topicReq("a", 2, 1)), testEnv(testConfig()))
		if len(resp.Topics) != 2 || len(entries) != 1 {
			t.Fatalf("%d answers, %d entries", len(resp.Topics), len(entries))
		}
		if resp.Topics[0].Topic != "a" || resp.Topics[0].ErrorCode != kerr.InvalidRequest.Code || *resp.Topics[0].ErrorMessage != "Duplicate topic name." {
			t.Fatalf("dup answer %+v", resp.Topics[0])
		}
	})
	t.Run("collision within one request", func(t *testing.T) {
		resp, entries := decideCreateTopics(c.img, createReq(topicReq("x.y", 1, 1), topicReq("x_y", 1, 1)), testEnv(testConfig()))
		if len(entries) != 1 || resp.Topics[1].ErrorCode != kerr.InvalidTopicException.Code {
			t.Fatalf("second colliding topic: %+v", resp.Topics[1])
		}
	})
	t.Run("validate only writes nothing", func(t *testing.T) {
		req := createReq(topicReq("v", 3, 1))
		req.ValidateOnly = true
		resp, entries := decideCreateTopics(c.img, req, testEnv(testConfig()))
		if len(entries) != 0 || resp.Topics[0].ErrorCode != 0 || resp.Topics[0].NumPartitions != 3 {
			t.Fatalf("validate only: %+v, %d entries", resp.Topics[0], len(entries))
		}
	})
	t.Run("partition cap fails every topic", func(t *testing.T) {
		resp, entries := decideCreateTopics(c.img, createReq(topicReq("p", 6000, 1), topicReq("q", 5000, 1)), testEnv(testConfig()))
		if len(entries) != 0 {
			t.Fatal("entries written over the cap")
		}
		for _, rt := range resp.Topics {
			if rt.ErrorCode != kerr.PolicyViolation.Code {
				t.Fatalf("%s: %d", rt.Topic, rt.ErrorCode)
			}
		}
	})
	t.Run("exactly the cap is allowed", func(t *testing.T) {
		_, entries := decideCreateTopics(c.img, createReq(topicReq("big", 10000, 1)), testEnv(testConfig()))
		if len(entries) != 1 || len(entries[0].records) != 10001 {
			t.Fatal("10,000-partition topic refused")
		}
	})
	t.Run("proposal failure becomes the topic's error", func(t *testing.T) {
		resp, entries := decideCreateTopics(c.img, createReq(topicReq("w", 1, 1)), testEnv(testConfig()))
		entries[0].onError(errorf(kerr.NotController, "gone"))
		rt := resp.Topics[0]
		if rt.ErrorCode != kerr.NotController.Code || rt.NumPartitions != -1 || rt.TopicID != record.ZeroUUID || rt.Configs != nil {
			t.Fatalf("failed proposal: %+v", rt)
		}
	})
	t.Run("topic ids are fresh and unique", func(t *testing.T) {
		resp, _ := decideCreateTopics(c.img, createReq(topicReq("i1", 1, 1), topicReq("i2", 1, 1)), testEnv(testConfig()))
		if resp.Topics[0].TopicID == resp.Topics[1].TopicID || record.UUID(resp.Topics[0].TopicID).IsZero() {
			t.Fatal("topic ids not unique")
		}
	})
}

type fakeDescriber struct{}

func (fakeDescriber) DescribeNewTopicConfigs(overrides map[string]string) []TopicConfigEntry {
	v := "604800000"
	out := []TopicConfigEntry{{Name: "retention.ms", Value: &v, Source: 5}}
	if o, ok := overrides["retention.ms"]; ok {
		out[0].Value, out[0].Source = &o, configSourceDynamicTopic
	}
	return out
}

func TestCreateTopicsUsesDescriber(t *testing.T) {
	c := newCluster(t).brokers("")
	cfg := testConfig()
	cfg.ConfigDescriber = fakeDescriber{}
	resp, _ := decideCreateTopics(c.img, createReq(topicReq("d", 1, 1)), testEnv(cfg))
	got := resp.Topics[0].Configs
	if len(got) != 1 || *got[0].Value != "604800000" || got[0].Source != 5 {
		t.Fatalf("describer not used: %+v", got)
	}
}

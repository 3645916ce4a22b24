package kafkaapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// createTopicsReq is a CreateTopics v7 request for one topic.
func createTopicsReq(name string, partitions int32, rf int16, configs map[string]string) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.SetVersion(7)
	req.TimeoutMillis = 10000
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	for k, v := range configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, kmsg.StringPtr(v)
		t.Configs = append(t.Configs, c)
	}
	req.Topics = append(req.Topics, t)
	return req
}

func TestCreateTopicsErrors(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	create := func(name string, partitions int32, rf int16, configs map[string]string) kmsg.CreateTopicsResponseTopic {
		t.Helper()
		resp := c.roundTrip(createTopicsReq(name, partitions, rf, configs)).(*kmsg.CreateTopicsResponse)
		if len(resp.Topics) != 1 {
			t.Fatalf("create %q: %d topics in the response", name, len(resp.Topics))
		}
		return resp.Topics[0]
	}
	ok := create("a.b", 2, 1, map[string]string{"retention.ms": "1000"})
	wantCode(t, "create a.b", ok.ErrorCode, nil)
	if ok.NumPartitions != 2 || ok.ReplicationFactor != 1 || ok.TopicID == [16]byte{} {
		t.Errorf("created: partitions %d rf %d id %x", ok.NumPartitions, ok.ReplicationFactor, ok.TopicID)
	}
	// v5+ answers with every config of the new topic and where it comes from.
	configs := map[string]kmsg.CreateTopicsResponseTopicConfig{}
	for _, c := range ok.Configs {
		configs[c.Name] = c
	}
	if c := configs["retention.ms"]; c.Value == nil || *c.Value != "1000" || c.Source != 1 {
		t.Errorf("retention.ms in the answer: %v source %d, want 1000 from DYNAMIC_TOPIC_CONFIG", c.Value, c.Source)
	}
	if c := configs["cleanup.policy"]; c.Value == nil || *c.Value != "delete" || c.Source != 5 {
		t.Errorf("cleanup.policy in the answer: %v source %d, want delete from DEFAULT_CONFIG", c.Value, c.Source)
	}
	if len(ok.Configs) < 20 {
		t.Errorf("CreateTopics v5+ lists %d configs, want every topic config", len(ok.Configs))
	}

	tests := []struct {
		what       string
		name       string
		partitions int32
		rf         int16
		configs    map[string]string
		want       *kerr.Error
	}{
		{"exists", "a.b", 1, 1, nil, kerr.TopicAlreadyExists},
		{"collides with a.b", "a_b", 1, 1, nil, kerr.InvalidTopicException},
		{"empty name", "", 1, 1, nil, kerr.InvalidTopicException},
		{"dot", ".", 1, 1, nil, kerr.InvalidTopicException},
		{"dot dot", "..", 1, 1, nil, kerr.InvalidTopicException},
		{"slash", "a/b", 1, 1, nil, kerr.InvalidTopicException},
		{"space", "a b", 1, 1, nil, kerr.InvalidTopicException},
		{"250 characters", strings.Repeat("x", 250), 1, 1, nil, kerr.InvalidTopicException},
		{"zero partitions", "zero-parts", 0, 1, nil, kerr.InvalidPartitions},
		{"negative partitions", "neg-parts", -5, 1, nil, kerr.InvalidPartitions},
		{"rf above brokers", "rf3", 1, 3, nil, kerr.InvalidReplicationFactor},
		{"rf zero", "rf0", 1, 0, nil, kerr.InvalidReplicationFactor},
		{"bad config value", "bad-cfg", 1, 1, map[string]string{"cleanup.policy": "sometimes"}, kerr.InvalidConfig},
		{"non-numeric config", "bad-num", 1, 1, map[string]string{"retention.ms": "soon"}, kerr.InvalidConfig},
		{"unknown config", "bad-key", 1, 1, map[string]string{"no.such.config": "1"}, kerr.InvalidConfig},
	}
	for _, tt := range tests {
		got := create(tt.name, tt.partitions, tt.rf, tt.configs)
		wantCode(t, tt.what, got.ErrorCode, tt.want)
		if got.ErrorCode != 0 && got.ErrorMessage == nil {
			t.Errorf("%s: error without a message", tt.what)
		}
	}
	// A config with a null value: Kafka answers INVALID_CONFIG.
	nullCfg := createTopicsReq("null-cfg", 1, 1, nil)
	nc := kmsg.NewCreateTopicsRequestTopicConfig()
	nc.Name = "retention.ms"
	nullCfg.Topics[0].Configs = append(nullCfg.Topics[0].Configs, nc)
	wantCode(t, "null config value", c.roundTrip(nullCfg).(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode, kerr.InvalidConfig)

	// 249 characters is the limit, and allowed; -1 takes the defaults.
	wantCode(t, "249 characters", create(strings.Repeat("y", 249), 1, 1, nil).ErrorCode, nil)
	def := create("defaults", -1, -1, nil)
	wantCode(t, "defaults", def.ErrorCode, nil)
	if def.NumPartitions != 1 || def.ReplicationFactor != 1 {
		t.Errorf("-1/-1 created %d partitions rf %d, want num.partitions=1, default.replication.factor=1", def.NumPartitions, def.ReplicationFactor)
	}

	waitTopic(t, n.Admin(), "defaults", 1)
	all := c.roundTrip(metadataReq(12, false)).(*kmsg.MetadataResponse)
	got := topicNames(all)
	if len(got) != 3 {
		t.Errorf("topics after the failures: %d %.40v, want a.b, defaults and the 249-character one", len(got), got)
	}
}

func TestCreateTopicsValidateOnly(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	req := createTopicsReq("dry", 3, 1, map[string]string{"retention.ms": "1000"})
	req.ValidateOnly = true
	resp := c.roundTrip(req).(*kmsg.CreateTopicsResponse)
	wantCode(t, "validate-only create", resp.Topics[0].ErrorCode, nil)
	if resp.Topics[0].NumPartitions != 3 {
		t.Errorf("validate-only answer: %d partitions, want 3", resp.Topics[0].NumPartitions)
	}
	req = createTopicsReq("dry-bad", 0, 1, nil)
	req.ValidateOnly = true
	resp = c.roundTrip(req).(*kmsg.CreateTopicsResponse)
	wantCode(t, "validate-only with 0 partitions", resp.Topics[0].ErrorCode, kerr.InvalidPartitions)

	md := c.roundTrip(metadataReq(12, false, "dry")).(*kmsg.MetadataResponse)
	wantCode(t, "metadata after validate-only", md.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)
	// And it can still be created for real.
	wantCode(t, "real create", c.roundTrip(createTopicsReq("dry", 3, 1, nil)).(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode, nil)
}

func TestDeleteTopics(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	c := dialRaw(t, n.Addr())
	first := createTopic(t, adm, "doomed", 2, nil)
	cl := n.Client(kgo.DefaultProduceTopic("doomed"))
	for range 5 {
		produceSync(t, cl, &kgo.Record{Value: []byte("old data")})
	}

	del := func(names []string, ids [][16]byte) []kmsg.DeleteTopicsResponseTopic {
		t.Helper()
		req := kmsg.NewPtrDeleteTopicsRequest()
		req.SetVersion(6)
		req.TimeoutMillis = 10000
		for _, name := range names {
			dt := kmsg.NewDeleteTopicsRequestTopic()
			dt.Topic = kmsg.StringPtr(name)
			req.Topics = append(req.Topics, dt)
		}
		for _, id := range ids {
			dt := kmsg.NewDeleteTopicsRequestTopic()
			dt.TopicID = id
			req.Topics = append(req.Topics, dt)
		}
		return c.roundTrip(req).(*kmsg.DeleteTopicsResponse).Topics
	}
	got := del([]string{"never-existed"}, nil)
	wantCode(t, "delete unknown name", got[0].ErrorCode, kerr.UnknownTopicOrPartition)
	got = del(nil, [][16]byte{{9, 9, 9}})
	wantCode(t, "delete unknown id", got[0].ErrorCode, kerr.UnknownTopicID)

	got = del([]string{"doomed"}, nil)
	wantCode(t, "delete doomed", got[0].ErrorCode, nil)
	if got[0].TopicID != first.ID {
		t.Errorf("deleted topic id %x, want %x", got[0].TopicID, first.ID)
	}
	waitTopicGone(t, c, "doomed")
	got = del([]string{"doomed"}, nil)
	wantCode(t, "delete again", got[0].ErrorCode, kerr.UnknownTopicOrPartition)

	// The same name again is a new, empty topic.
	second := createTopic(t, adm, "doomed", 2, nil)
	if second.ID == first.ID {
		t.Errorf("re-created topic has the deleted one's id %x", second.ID)
	}
	for p, end := range endOffsets(t, adm, "doomed") {
		if end != 0 {
			t.Errorf("re-created doomed[%d] ends at %d: the old data survived", p, end)
		}
	}
	f := fetchRaw(t, c, fetchReq(12, "doomed", [16]byte{}, 0, 0))
	wantCode(t, "fetch re-created", f.ErrorCode, nil)
	if len(f.RecordBatches) != 0 {
		t.Errorf("re-created topic returned %d bytes of records", len(f.RecordBatches))
	}

	// Deleting by id works too.
	got = del(nil, [][16]byte{second.ID})
	wantCode(t, "delete by id", got[0].ErrorCode, nil)
	if got[0].Topic == nil || *got[0].Topic != "doomed" {
		t.Errorf("delete by id names topic %v, want doomed", got[0].Topic)
	}
}

func TestCreatePartitions(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	c := dialRaw(t, n.Addr())
	createTopic(t, adm, "grow", 2, nil)
	grow := func(topic string, count int32, validateOnly bool) kmsg.CreatePartitionsResponseTopic {
		t.Helper()
		req := kmsg.NewPtrCreatePartitionsRequest()
		req.SetVersion(3)
		req.TimeoutMillis = 10000
		req.ValidateOnly = validateOnly
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = topic, count
		req.Topics = append(req.Topics, rt)
		return c.roundTrip(req).(*kmsg.CreatePartitionsResponse).Topics[0]
	}
	wantCode(t, "fewer partitions", grow("grow", 1, false).ErrorCode, kerr.InvalidPartitions)
	wantCode(t, "equal partitions", grow("grow", 2, false).ErrorCode, kerr.InvalidPartitions)
	wantCode(t, "unknown topic", grow("nope", 3, false).ErrorCode, kerr.UnknownTopicOrPartition)
	wantCode(t, "validate only", grow("grow", 8, true).ErrorCode, nil)
	if parts := len(endOffsets(t, adm, "grow")); parts != 2 {
		t.Errorf("%d partitions after validate-only, want 2", parts)
	}
	wantCode(t, "grow to 4", grow("grow", 4, false).ErrorCode, nil)

	// The new partitions take records at once.
	cl := n.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for p := range int32(4) {
		recs = append(recs, &kgo.Record{Topic: "grow", Partition: p, Value: []byte{byte('a' + p)}, Timestamp: time.Now()})
	}
	produceSync(t, cl, recs...)
	checkRoundTrip(t, n, "grow", recs)
}

// waitTopicGone waits, bounded, until Metadata no longer knows topic.
func waitTopicGone(t *testing.T, c *rawConn, topic string) {
	t.Helper()
	ctx := testCtx(t)
	for {
		md := c.roundTrip(metadataReq(12, false, topic)).(*kmsg.MetadataResponse)
		if md.Topics[0].ErrorCode == kerr.UnknownTopicOrPartition.Code {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("topic %s still listed after its deletion: %s", topic, errName(md.Topics[0].ErrorCode))
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestManualReplicaAssignment(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	assigned := func(name string, replicas ...[]int32) kmsg.CreateTopicsResponseTopic {
		req := createTopicsReq(name, -1, -1, nil)
		for i, r := range replicas {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = int32(i), r
			req.Topics[0].ReplicaAssignment = append(req.Topics[0].ReplicaAssignment, a)
		}
		return c.roundTrip(req).(*kmsg.CreateTopicsResponse).Topics[0]
	}
	ok := assigned("manual", []int32{1}, []int32{1}, []int32{1})
	wantCode(t, "manual assignment", ok.ErrorCode, nil)
	if ok.NumPartitions != 3 {
		t.Errorf("manual assignment created %d partitions, want 3", ok.NumPartitions)
	}
	wantCode(t, "assignment to an unknown broker", assigned("manual-bad", []int32{7}).ErrorCode, kerr.InvalidReplicaAssignment)
	wantCode(t, "a replica listed twice", assigned("manual-dup", []int32{1, 1}).ErrorCode, kerr.InvalidReplicaAssignment)

	// Partitions and an assignment together are refused (Kafka: INVALID_REQUEST).
	req := createTopicsReq("manual-both", 2, 1, nil)
	a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	a.Replicas = []int32{1}
	req.Topics[0].ReplicaAssignment = append(req.Topics[0].ReplicaAssignment, a)
	wantCode(t, "partitions and an assignment", c.roundTrip(req).(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode, kerr.InvalidRequest)

	// CreatePartitions with an assignment for the new partitions.
	waitTopic(t, n.Admin(), "manual", 3)
	grow := kmsg.NewPtrCreatePartitionsRequest()
	grow.SetVersion(3)
	grow.TimeoutMillis = 10000
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = "manual", 5
	for range 2 {
		ra := kmsg.NewCreatePartitionsRequestTopicAssignment()
		ra.Replicas = []int32{1}
		rt.Assignment = append(rt.Assignment, ra)
	}
	grow.Topics = append(grow.Topics, rt)
	wantCode(t, "grow with an assignment", c.roundTrip(grow).(*kmsg.CreatePartitionsResponse).Topics[0].ErrorCode, nil)
	waitTopic(t, n.Admin(), "manual", 5)
	rt.Count, rt.Assignment = 6, rt.Assignment[:1]
	rt.Assignment[0].Replicas = []int32{9}
	grow.Topics[0] = rt
	wantCode(t, "grow onto an unknown broker", c.roundTrip(grow).(*kmsg.CreatePartitionsResponse).Topics[0].ErrorCode, kerr.InvalidReplicaAssignment)
}

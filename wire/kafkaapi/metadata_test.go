package kafkaapi_test

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// metadataReq asks for the named topics at version (nil names: all
// topics).
func metadataReq(version int16, autoCreate bool, names ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(version)
	req.AllowAutoTopicCreation = autoCreate
	if names != nil {
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	for _, name := range names {
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, t)
	}
	return req
}

func topicNames(resp *kmsg.MetadataResponse) []string {
	var out []string
	for _, t := range resp.Topics {
		if t.Topic != nil {
			out = append(out, *t.Topic)
		}
	}
	slices.Sort(out)
	return out
}

func TestMetadataEveryVersion(t *testing.T) {
	n := servertest.Start(t)
	created := createTopic(t, n.Admin(), "md", 3, nil)
	c := dialRaw(t, n.Addr())
	host, portStr, _ := net.SplitHostPort(n.Addr())
	port, _ := strconv.Atoi(portStr)
	for v := int16(0); v <= 12; v++ {
		resp := c.roundTrip(metadataReq(v, false, "md")).(*kmsg.MetadataResponse)
		if len(resp.Brokers) != 1 || resp.Brokers[0].NodeID != 1 || resp.Brokers[0].Host != host || resp.Brokers[0].Port != int32(port) {
			t.Errorf("v%d: brokers %+v, want node 1 at %s", v, resp.Brokers, n.Addr())
		}
		if v >= 1 && resp.ControllerID != 1 {
			t.Errorf("v%d: controller id %d, want 1", v, resp.ControllerID)
		}
		if v >= 2 && (resp.ClusterID == nil || *resp.ClusterID != n.ClusterID()) {
			t.Errorf("v%d: cluster id %v, want %s", v, resp.ClusterID, n.ClusterID())
		}
		if len(resp.Topics) != 1 {
			t.Fatalf("v%d: %d topics, want 1", v, len(resp.Topics))
		}
		mt := resp.Topics[0]
		wantCode(t, "v"+strconv.Itoa(int(v))+" topic md", mt.ErrorCode, nil)
		if len(mt.Partitions) != 3 {
			t.Errorf("v%d: %d partitions, want 3", v, len(mt.Partitions))
		}
		if v >= 10 && mt.TopicID != created.ID {
			t.Errorf("v%d: topic id %x, want %x", v, mt.TopicID, created.ID)
		}
		if v >= 1 && mt.IsInternal {
			t.Errorf("v%d: md reported internal", v)
		}
		for _, p := range mt.Partitions {
			if p.Leader != 1 || !slices.Equal(p.Replicas, []int32{1}) || !slices.Equal(p.ISR, []int32{1}) {
				t.Errorf("v%d partition %d: leader %d replicas %v isr %v", v, p.Partition, p.Leader, p.Replicas, p.ISR)
			}
			if v >= 7 && p.LeaderEpoch < 0 {
				t.Errorf("v%d partition %d: leader epoch %d", v, p.Partition, p.LeaderEpoch)
			}
			if v >= 5 && len(p.OfflineReplicas) != 0 {
				t.Errorf("v%d partition %d: offline replicas %v", v, p.Partition, p.OfflineReplicas)
			}
		}
	}
}

func TestMetadataTopicLists(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	for _, name := range []string{"list-a", "list-b", "list-c"} {
		createTopic(t, adm, name, 1, nil)
	}
	c := dialRaw(t, n.Addr())

	// Null topics: all; named: only those; an empty list (v1+): none.
	all := c.roundTrip(metadataReq(12, false)).(*kmsg.MetadataResponse)
	if got := topicNames(all); !slices.Equal(got, []string{"list-a", "list-b", "list-c"}) {
		t.Errorf("all topics: %v", got)
	}
	named := c.roundTrip(metadataReq(12, false, "list-b", "list-c")).(*kmsg.MetadataResponse)
	if got := topicNames(named); !slices.Equal(got, []string{"list-b", "list-c"}) {
		t.Errorf("named topics: %v", got)
	}
	none := c.roundTrip(metadataReq(12, false, []string{}...)).(*kmsg.MetadataResponse)
	if len(none.Topics) != 0 || len(none.Brokers) != 1 {
		t.Errorf("empty topic list: %d topics, %d brokers; want 0 and 1", len(none.Topics), len(none.Brokers))
	}
	// v0 has no null list: empty means all.
	v0 := c.roundTrip(metadataReq(0, false, []string{}...)).(*kmsg.MetadataResponse)
	if got := topicNames(v0); len(got) != 3 {
		t.Errorf("v0 empty list: %v, want all three topics", got)
	}
}

func TestMetadataTopicsByID(t *testing.T) {
	n := servertest.Start(t)
	created := createTopic(t, n.Admin(), "by-id", 2, nil)
	c := dialRaw(t, n.Addr())
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	known := kmsg.NewMetadataRequestTopic()
	known.TopicID = created.ID
	unknown := kmsg.NewMetadataRequestTopic()
	unknown.TopicID = [16]byte{1, 2, 3}
	req.Topics = append(req.Topics, known, unknown)
	resp := c.roundTrip(req).(*kmsg.MetadataResponse)
	if len(resp.Topics) != 2 {
		t.Fatalf("%d topics, want 2", len(resp.Topics))
	}
	got := resp.Topics[0]
	wantCode(t, "known id", got.ErrorCode, nil)
	if got.Topic == nil || *got.Topic != "by-id" || got.TopicID != created.ID || len(got.Partitions) != 2 {
		t.Errorf("by id: name %v id %x partitions %d", got.Topic, got.TopicID, len(got.Partitions))
	}
	wantCode(t, "unknown id", resp.Topics[1].ErrorCode, kerr.UnknownTopicID)
	if resp.Topics[1].TopicID != unknown.TopicID {
		t.Errorf("unknown id answered as %x, want the id asked", resp.Topics[1].TopicID)
	}
}

func TestMetadataAutoCreate(t *testing.T) {
	n := servertest.Start(t, servertest.Override("num.partitions", "4"))
	c := dialRaw(t, n.Addr())

	// AllowAutoTopicCreation false (v4+): not created.
	resp := c.roundTrip(metadataReq(12, false, "auto-no")).(*kmsg.MetadataResponse)
	wantCode(t, "auto-create not allowed", resp.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)

	// Allowed: created with num.partitions, its leaders already known.
	// (Whether they are known in the very answer is
	// TestAdminChangeVisibleWhenAnswered's subject; here the topic is
	// checked once published.)
	c.roundTrip(metadataReq(12, true, "auto-yes"))
	waitTopic(t, n.Admin(), "auto-yes", 4)
	resp = c.roundTrip(metadataReq(12, false, "auto-yes")).(*kmsg.MetadataResponse)
	mt := resp.Topics[0]
	wantCode(t, "auto-created topic", mt.ErrorCode, nil)
	if len(mt.Partitions) != 4 {
		t.Errorf("auto-created with %d partitions, want num.partitions=4", len(mt.Partitions))
	}
	for _, p := range mt.Partitions {
		if p.Leader != 1 || p.ErrorCode != 0 {
			t.Errorf("auto-created partition %d: leader %d, %s", p.Partition, p.Leader, errName(p.ErrorCode))
		}
	}
	// v0–v3 have no flag: auto-creation applies.
	c.roundTrip(metadataReq(3, false, "auto-v3"))
	waitTopic(t, n.Admin(), "auto-v3", 4)

	// Invalid names are refused, never created.
	long := strings.Repeat("a", 250)
	for _, name := range []string{"bad name", "a/b", "..", long} {
		resp = c.roundTrip(metadataReq(12, true, name)).(*kmsg.MetadataResponse)
		wantCode(t, "metadata for "+strconv.Quote(name[:min(len(name), 10)]), resp.Topics[0].ErrorCode, kerr.InvalidTopicException)
	}
	all := c.roundTrip(metadataReq(12, false)).(*kmsg.MetadataResponse)
	if got := topicNames(all); !slices.Equal(got, []string{"auto-v3", "auto-yes"}) {
		t.Errorf("topics after auto-creation: %v, want [auto-v3 auto-yes]", got)
	}
}

func TestMetadataAutoCreateDisabled(t *testing.T) {
	n := servertest.Start(t, servertest.Override("auto.create.topics.enable", "false"))
	c := dialRaw(t, n.Addr())
	for _, v := range []int16{1, 3, 12} {
		resp := c.roundTrip(metadataReq(v, true, "nope")).(*kmsg.MetadataResponse)
		wantCode(t, "v"+strconv.Itoa(int(v))+" with auto.create.topics.enable=false", resp.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)
	}
	if all := c.roundTrip(metadataReq(12, false)).(*kmsg.MetadataResponse); len(all.Topics) != 0 {
		t.Errorf("topics %v exist with auto-creation off", topicNames(all))
	}
}

func TestMetadataAuthorizedOperations(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "ops", 1, nil)
	c := dialRaw(t, n.Addr())
	req := metadataReq(10, false, "ops")
	req.IncludeClusterAuthorizedOperations = true
	req.IncludeTopicAuthorizedOperations = true
	resp := c.roundTrip(req).(*kmsg.MetadataResponse)
	if resp.AuthorizedOperations <= 0 || resp.Topics[0].AuthorizedOperations <= 0 {
		t.Errorf("authorized operations cluster %b topic %b, want every operation (no authorizer)", resp.AuthorizedOperations, resp.Topics[0].AuthorizedOperations)
	}
	resp = c.roundTrip(metadataReq(10, false, "ops")).(*kmsg.MetadataResponse)
	if resp.Topics[0].AuthorizedOperations != -2147483648 {
		t.Errorf("topic authorized operations %d when not asked, want INT32_MIN", resp.Topics[0].AuthorizedOperations)
	}
}

// TestAdminChangeVisibleWhenAnswered checks Kafka's promise that a created
// topic can be used as soon as CreateTopics (or an auto-creating Metadata)
// has answered: the answer itself, and the next request, see it.
func TestAdminChangeVisibleWhenAnswered(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	for i := range 30 {
		name := "vis-" + strconv.Itoa(i)
		var mt kmsg.MetadataResponseTopic
		if i%2 == 0 {
			mt = c.roundTrip(metadataReq(12, true, name)).(*kmsg.MetadataResponse).Topics[0]
		} else {
			wantCode(t, "create "+name, c.roundTrip(createTopicsReq(name, 1, 1, nil)).(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode, nil)
			mt = c.roundTrip(metadataReq(12, false, name)).(*kmsg.MetadataResponse).Topics[0]
		}
		if mt.ErrorCode != 0 || len(mt.Partitions) != 1 || mt.Partitions[0].Leader != 1 {
			t.Fatalf("%s right after creation: %s, %d partitions", name, errName(mt.ErrorCode), len(mt.Partitions))
		}
	}
}

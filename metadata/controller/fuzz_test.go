package controller

import (
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

// fuzzSource turns fuzz bytes into choices, so the fuzzer explores
// requests field by field (names that collide, edge-case counts, repeated
// items) instead of fighting a wire decoder.
type fuzzSource struct{ data []byte }

func (s *fuzzSource) byte() byte {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

func (s *fuzzSource) intn(n int) int { return int(s.byte()) % n }

func (s *fuzzSource) int32() int32 {
	edges := []int32{-3, -2, -1, 0, 1, 2, 3, 5, 250, 10000, 10001, math.MaxInt32, math.MinInt32}
	return edges[s.intn(len(edges))]
}

func (s *fuzzSource) name() string {
	names := []string{"t", "a", "a.b", "a_b", "", ".", "..", "x y", "@metadata", "orders", "t2"}
	return names[s.intn(len(names))]
}

func (s *fuzzSource) brokers() []int32 {
	out := make([]int32, s.intn(4))
	for i := range out {
		out[i] = int32(s.intn(6)) - 1
	}
	return out
}

func (s *fuzzSource) configs() (names []string, values []*string) {
	keys := []string{"retention.ms", "cleanup.policy", "bogus", "min.insync.replicas"}
	vals := []string{"1", "0", "compact", "delete,compact", "x", ""}
	for n := s.intn(3); n > 0; n-- {
		names = append(names, keys[s.intn(len(keys))])
		var v *string
		if s.intn(5) > 0 {
			v = &vals[s.intn(len(vals))]
		}
		values = append(values, v)
	}
	return names, values
}

// FuzzDecide builds arbitrary controller requests from fuzz bytes and runs
// them through the deciding functions. They must never panic, and every
// entry they decide on must apply to the image: the controller never
// proposes what the image would reject.
func FuzzDecide(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5})
	f.Add([]byte{1, 0, 9, 9, 1, 1, 2})
	f.Add([]byte{2, 3, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{3, 1, 1, 2, 2, 2, 0, 1})
	f.Add([]byte{6, 2, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &fuzzSource{data: data}
		c := newCluster(t).brokers("a", "b", "a", "").fence(3)
		c.apply(&record.Topic{Name: "t", TopicID: record.UUID{5}},
			&record.Partition{TopicID: record.UUID{5}, Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1},
			&record.Config{ResourceType: record.ResourceTopic, ResourceName: "t", Name: "cleanup.policy", Value: str("delete")})
		cfg := testConfig()
		cfg.MaxPartitionsPerRequest = 300 // keep each run small
		e := testEnv(cfg)
		for round := 0; round < 3 && len(s.data) > 0; round++ {
			for _, en := range fuzzDecision(s, c, e) {
				next, _, err := c.img.Apply(c.img.Offset()+1, 1, en.records)
				if err != nil {
					t.Fatalf("decided an entry the image rejects: %v", err)
				}
				c.img = next
				if en.onCommit != nil {
					en.onCommit(quorum.ProposeResult{Index: next.Offset(), Term: 1})
				}
			}
		}
	})
}

func fuzzDecision(s *fuzzSource, c *cluster, e *env) []entry {
	var entries []entry
	switch s.intn(7) {
	case 0:
		req := createReq()
		for n := 1 + s.intn(3); n > 0; n-- {
			t := topicReq(s.name(), s.int32(), int16(s.int32()%5))
			for p := s.intn(3); p > 0; p-- {
				a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
				a.Partition, a.Replicas = int32(s.intn(4))-1, s.brokers()
				t.ReplicaAssignment = append(t.ReplicaAssignment, a)
			}
			names, values := s.configs()
			for i := range names {
				t.Configs = append(t.Configs, kmsg.CreateTopicsRequestTopicConfig{Name: names[i], Value: values[i]})
			}
			req.Topics = append(req.Topics, t)
		}
		_, entries = decideCreateTopics(c.img, req, e)
	case 1:
		req := kmsg.NewPtrDeleteTopicsRequest()
		req.Version = 6
		for n := 1 + s.intn(3); n > 0; n-- {
			switch s.intn(3) {
			case 0:
				req.Topics = append(req.Topics, byName(s.name()))
			case 1:
				req.Topics = append(req.Topics, byID(record.UUID{byte(s.intn(7))}))
			default:
				t := byName(s.name())
				t.TopicID = record.UUID{byte(s.intn(7))}
				req.Topics = append(req.Topics, t)
			}
		}
		_, entries = decideDeleteTopics(c.img, req)
	case 2:
		req := kmsg.NewPtrCreatePartitionsRequest()
		for n := 1 + s.intn(2); n > 0; n-- {
			t := growReq(s.name(), s.int32())
			if s.intn(2) == 0 {
				for a := s.intn(3); a > 0; a-- {
					t.Assignment = append(t.Assignment, kmsg.CreatePartitionsRequestTopicAssignment{Replicas: s.brokers()})
				}
			}
			req.Topics = append(req.Topics, t)
		}
		_, entries = decideCreatePartitions(c.img, req, e)
	case 3:
		var res []configRequest
		for n := 1 + s.intn(2); n > 0; n-- {
			r := configRequest{typ: []kmsg.ConfigResourceType{2, 4, 8, 0}[s.intn(4)], name: s.name()}
			names, values := s.configs()
			for i := range names {
				r.ops = append(r.ops, configOp{name: names[i], op: kmsg.IncrementalAlterConfigOp(s.intn(5)), value: values[i]})
			}
			res = append(res, r)
		}
		_, entries = decideAlterConfigs(c.img, res, s.intn(2) == 0, false, e)
	case 4:
		req := kmsg.NewPtrAllocateProducerIDsRequest()
		req.BrokerID, req.BrokerEpoch = int32(s.intn(5)), int64(s.intn(3))+100
		_, entries = decideAllocateProducerIDs(c.img, req, e)
	case 5:
		req := registration(int32(s.intn(6))-1, byte(s.intn(3)))
		req.PreviousBrokerEpoch = int64(s.intn(3)) + 100
		_, entries = decideBrokerRegistration(c.img, req, e)
	case 6:
		id := int32(s.intn(5))
		epoch := int64(100 + int(id) - 1)
		req := heartbeat(id, epoch, int64(s.intn(20)))
		req.WantFence, req.WantShutdown = s.intn(2) == 0, s.intn(4) == 0
		_, entries = decideBrokerHeartbeat(c.img, req, e)
	}
	return entries
}

package controller

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// manualClock is a Clock tests move by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// prefaceListener consumes the Raft preface, as wire.Mux does.
type prefaceListener struct{ net.Listener }

func (l prefaceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		buf := make([]byte, len(quorum.Preface))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != quorum.Preface {
			c.Close()
			continue
		}
		return c, nil
	}
}

// node is a single-node quorum with a controller on top.
type node struct {
	t     *testing.T
	dir   string
	clock *manualClock
	q     *quorum.Quorum
	c     *Controller
}

func startNode(t *testing.T, dir string, clock *manualClock) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	qcfg := quorum.Default()
	qcfg.Dir, qcfg.ClusterID = dir, "test-cluster"
	qcfg.Voters = []quorum.Voter{{ID: 1, Addr: ln.Addr().String()}}
	q, err := quorum.Open(qcfg, prefaceListener{ln}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Clock = clock
	cfg.LivenessCheckInterval = time.Hour // tests trigger checks themselves
	c, err := New(cfg, q, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return &node{t: t, dir: dir, clock: clock, q: q, c: c}
}

func (n *node) stop() {
	n.c.Close()
	if err := n.q.Close(); err != nil {
		n.t.Fatal(err)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// registerAndUnfence brings broker 1 up the way a broker does on start.
func (n *node) registerAndUnfence() int64 {
	t := n.t
	reg, err := n.c.BrokerRegistration(ctx(t), registration(1, 0xa))
	if err != nil || reg.ErrorCode != 0 {
		t.Fatalf("register: %v %+v", err, reg)
	}
	hb, err := n.c.BrokerHeartbeat(ctx(t), heartbeat(1, reg.BrokerEpoch, n.q.Image().Offset()))
	if err != nil || hb.ErrorCode != 0 || hb.IsFenced || !hb.IsCaughtUp {
		t.Fatalf("heartbeat: %v %+v", err, hb)
	}
	return reg.BrokerEpoch
}

func TestControllerOverRealQuorum(t *testing.T) {
	dir := t.TempDir()
	clock := &manualClock{now: time.Unix(1_700_000_000, 0)}
	n := startNode(t, dir, clock)
	epoch := n.registerAndUnfence()

	created, err := n.c.CreateTopics(ctx(t), createReq(topicReq("orders", 3, 1, "retention.ms", "1000")))
	if err != nil || created.Topics[0].ErrorCode != 0 {
		t.Fatalf("create: %v %+v", err, created)
	}
	firstID := record.UUID(created.Topics[0].TopicID)
	top, ok := n.q.Image().Topic("orders")
	if !ok || top.ID() != firstID || top.NumPartitions() != 3 {
		t.Fatal("created topic not in the image")
	}
	if p, _ := top.Partition(2); p.Leader != 1 {
		t.Fatalf("partition leader %d", p.Leader)
	}

	delReq := kmsg.NewPtrDeleteTopicsRequest()
	delReq.Version, delReq.TopicNames = 5, []string{"orders"}
	deleted, err := n.c.DeleteTopics(ctx(t), delReq)
	if err != nil || deleted.Topics[0].ErrorCode != 0 {
		t.Fatalf("delete: %v %+v", err, deleted)
	}
	if _, ok := n.q.Image().Topic("orders"); ok {
		t.Fatal("deleted topic still in the image")
	}

	again, _ := n.c.CreateTopics(ctx(t), createReq(topicReq("orders", 1, 1)))
	if again.Topics[0].ErrorCode != 0 || record.UUID(again.Topics[0].TopicID) == firstID {
		t.Fatalf("re-create: %+v (old id %s)", again.Topics[0], firstID)
	}
	if cfgs := n.q.Image().TopicConfigs("orders"); cfgs != nil {
		t.Fatalf("re-created topic inherited configs %v", cfgs)
	}

	grow := kmsg.NewPtrCreatePartitionsRequest()
	grow.Topics = []kmsg.CreatePartitionsRequestTopic{growReq("orders", 4)}
	if resp, err := n.c.CreatePartitions(ctx(t), grow); err != nil || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("grow: %v %+v", err, resp)
	}
	if top, _ := n.q.Image().Topic("orders"); top.NumPartitions() != 4 {
		t.Fatalf("grown to %d", top.NumPartitions())
	}

	alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, "orders"
	res.Configs = []kmsg.IncrementalAlterConfigsRequestResourceConfig{{Name: "cleanup.policy", Op: kmsg.IncrementalAlterConfigOpAppend, Value: str("compact")}}
	alter.Resources = append(alter.Resources, res)
	if resp, err := n.c.IncrementalAlterConfigs(ctx(t), alter); err != nil || resp.Resources[0].ErrorCode != 0 {
		t.Fatalf("alter: %v %+v", err, resp)
	}
	if v := n.q.Image().TopicConfigs("orders")["cleanup.policy"]; v != "delete,compact" {
		t.Fatalf("cleanup.policy = %q", v)
	}
	legacy := kmsg.NewPtrAlterConfigsRequest()
	lres := kmsg.NewAlterConfigsRequestResource()
	lres.ResourceType, lres.ResourceName = kmsg.ConfigResourceTypeTopic, "orders"
	lres.Configs = []kmsg.AlterConfigsRequestResourceConfig{{Name: "retention.ms", Value: str("5")}}
	legacy.Resources = append(legacy.Resources, lres)
	if resp, err := n.c.AlterConfigs(ctx(t), legacy); err != nil || resp.Resources[0].ErrorCode != 0 {
		t.Fatalf("legacy alter: %v %+v", err, resp)
	}
	if got := n.q.Image().TopicConfigs("orders"); len(got) != 1 || got["retention.ms"] != "5" {
		t.Fatalf("after legacy alter: %v", got)
	}

	pidReq := kmsg.NewPtrAllocateProducerIDsRequest()
	pidReq.BrokerID, pidReq.BrokerEpoch = 1, epoch
	var starts []int64
	for i := 0; i < 2; i++ {
		resp, err := n.c.AllocateProducerIDs(ctx(t), pidReq)
		if err != nil || resp.ErrorCode != 0 {
			t.Fatalf("allocate: %v %+v", err, resp)
		}
		starts = append(starts, resp.ProducerIDStart)
	}
	before := n.q.Image()
	n.stop()

	// Restart: the same image comes back, and producer-id blocks keep
	// increasing.
	n = startNode(t, dir, clock)
	defer n.stop()
	if !image.Equal(before, n.q.Image()) {
		t.Fatal("image differs after restart")
	}
	resp, err := n.c.AllocateProducerIDs(ctx(t), pidReq)
	if err != nil || resp.ErrorCode != 0 || resp.ProducerIDStart <= starts[1] {
		t.Fatalf("after restart: %v %+v (earlier %v)", err, resp, starts)
	}
	if starts[0] != 0 || starts[1] != 1000 || resp.ProducerIDStart != 2000 {
		t.Fatalf("blocks %v then %d", starts, resp.ProducerIDStart)
	}

	// Sessions restarted with the new controller; silence past the
	// timeout fences the broker.
	if b, _ := n.q.Image().Broker(1); b.Fenced {
		t.Fatal("broker fenced by the failover itself")
	}
	clock.Advance(testConfig().SessionTimeout + time.Second)
	if err := n.c.submit(ctx(t), n.c.fenceStaleBrokers); err != nil {
		t.Fatal(err)
	}
	if b, _ := n.q.Image().Broker(1); !b.Fenced {
		t.Fatal("silent broker not fenced")
	}
}

// followerQuorum is a Quorum that never leads.
type followerQuorum struct{ img *image.Image }

func (f followerQuorum) Image() *image.Image { return f.img }
func (f followerQuorum) Propose(context.Context, []record.Record) (quorum.ProposeResult, error) {
	return quorum.ProposeResult{}, &quorum.NotLeaderError{}
}
func (followerQuorum) IsLeader() bool                  { return false }
func (followerQuorum) Term() uint64                    { return 3 }
func (followerQuorum) WaitReady(context.Context) error { return nil }

func TestNotControllerAnswers(t *testing.T) {
	c, err := New(testConfig(), followerQuorum{img: image.New("test-cluster")}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	nc := kerr.NotController.Code
	ct, _ := c.CreateTopics(ctx(t), createReq(topicReq("a", 1, 1), topicReq("b", 1, 1)))
	dreq := kmsg.NewPtrDeleteTopicsRequest()
	dreq.TopicNames = []string{"a"}
	dt, _ := c.DeleteTopics(ctx(t), dreq)
	preq := kmsg.NewPtrCreatePartitionsRequest()
	preq.Topics = []kmsg.CreatePartitionsRequestTopic{growReq("a", 2)}
	cp, _ := c.CreatePartitions(ctx(t), preq)
	areq := kmsg.NewPtrAlterConfigsRequest()
	areq.Resources = []kmsg.AlterConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "a"}}
	ac, _ := c.AlterConfigs(ctx(t), areq)
	ireq := kmsg.NewPtrIncrementalAlterConfigsRequest()
	ireq.Resources = []kmsg.IncrementalAlterConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "a"}}
	ic, _ := c.IncrementalAlterConfigs(ctx(t), ireq)
	pid, _ := c.AllocateProducerIDs(ctx(t), kmsg.NewPtrAllocateProducerIDsRequest())
	reg, _ := c.BrokerRegistration(ctx(t), registration(1, 1))
	hb, _ := c.BrokerHeartbeat(ctx(t), heartbeat(1, 1, 0))
	codes := []int16{ct.Topics[0].ErrorCode, ct.Topics[1].ErrorCode, dt.Topics[0].ErrorCode, cp.Topics[0].ErrorCode,
		ac.Resources[0].ErrorCode, ic.Resources[0].ErrorCode, pid.ErrorCode, reg.ErrorCode, hb.ErrorCode}
	for i, code := range codes {
		if code != nc {
			t.Fatalf("answer %d: code %d, want NOT_CONTROLLER", i, code)
		}
	}
}

func TestClosedAndCancelled(t *testing.T) {
	c, err := New(testConfig(), followerQuorum{img: image.New("test-cluster")}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.CreateTopics(cancelled, createReq()); err == nil {
		t.Fatal("cancelled context accepted")
	}
	c.Close()
	c.Close()
	if _, err := c.CreateTopics(context.Background(), createReq()); err != ErrClosed {
		t.Fatalf("after close: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := testConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, modify := range map[string]func(*Config){
		"node id":      func(c *Config) { c.NodeID = -1 },
		"partitions":   func(c *Config) { c.NumPartitions = 0 },
		"rf":           func(c *Config) { c.DefaultReplicationFactor = 0 },
		"pid block":    func(c *Config) { c.ProducerIDBlockSize = 0 },
		"session":      func(c *Config) { c.SessionTimeout = 0 },
		"liveness":     func(c *Config) { c.LivenessCheckInterval = 0 },
		"cap":          func(c *Config) { c.MaxPartitionsPerRequest = 0 },
		"inflight":     func(c *Config) { c.MaxInflightProposals = 0 },
		"no validator": func(c *Config) { c.ConfigValidator = nil },
	} {
		cfg := testConfig()
		modify(&cfg)
		if cfg.Validate() == nil {
			t.Errorf("%s: invalid config accepted", name)
		}
	}
}

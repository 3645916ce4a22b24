package controller

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// testValidator knows a handful of Kafka topic configs, enough to
// exercise validation; the real catalogue lives in metadata/config.
type testValidator struct{}

var listDefaults = map[string]string{"cleanup.policy": "delete", "leader.replication.throttled.replicas": ""}

func (testValidator) ValidateTopicConfig(name string, value *string) error {
	switch name {
	case "retention.ms", "segment.bytes", "min.insync.replicas", "max.message.bytes":
		if value == nil {
			return nil
		}
		n, err := strconv.ParseInt(*value, 10, 64)
		if err != nil {
			return fmt.Errorf("Invalid value %s for configuration %s: Not a number of type LONG", *value, name)
		}
		if name == "min.insync.replicas" && n < 1 {
			return fmt.Errorf("Invalid value %d for configuration min.insync.replicas: Value must be at least 1", n)
		}
		return nil
	case "cleanup.policy", "leader.replication.throttled.replicas", "compression.type":
		return nil
	}
	return fmt.Errorf("Unknown topic config name: %s", name)
}

func (testValidator) TopicConfigList(name string) (string, bool) {
	def, ok := listDefaults[name]
	return def, ok
}

// plainValidator validates like testValidator but knows no list configs.
type plainValidator struct{}

func (plainValidator) ValidateTopicConfig(name string, value *string) error {
	return testValidator{}.ValidateTopicConfig(name, value)
}

func testConfig() Config {
	cfg := Default()
	cfg.ConfigValidator = testValidator{}
	cfg.Seed = 42
	return cfg
}

func testEnv(cfg Config) *env {
	e := newEnv(cfg, cfg.Seed)
	e.now = time.Unix(1_700_000_000, 0)
	e.live.reset(e.now, 0)
	return e
}

func str(s string) *string { return &s }

// cluster builds images by applying entries, as the quorum would.
type cluster struct {
	t   *testing.T
	img *image.Image
}

func newCluster(t *testing.T) *cluster {
	return &cluster{t: t, img: image.New("test-cluster")}
}

func (c *cluster) apply(recs ...record.Record) {
	c.t.Helper()
	next, _, err := c.img.Apply(c.img.Offset()+1, 1, recs)
	if err != nil {
		c.t.Fatalf("apply: %v", err)
	}
	c.img = next
}

// brokers registers unfenced brokers with the given racks ("" for none).
func (c *cluster) brokers(racks ...string) *cluster {
	for i, rack := range racks {
		id := int32(i + 1)
		c.apply(&record.RegisterBroker{BrokerID: id, BrokerEpoch: int64(100 + i), IncarnationID: record.UUID{9, 15: byte(id)}, Rack: rack,
			Endpoints: []record.Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: uint16(9092 + i)}}})
	}
	return c
}

func (c *cluster) fence(id int32) *cluster {
	b, _ := c.img.Broker(id)
	c.apply(&record.BrokerRegistrationChange{BrokerID: id, BrokerEpoch: b.Epoch, Fenced: record.Fence})
	return c
}

// commit applies every entry's records in order, failing the test if the
// image rejects one: what the controller decides must always apply.
func (c *cluster) commit(entries []entry) {
	c.t.Helper()
	for _, e := range entries {
		c.apply(e.records...)
	}
}

package server

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	kconfig "github.com/skiffhq/skiff/metadata/config"
)

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("default does not validate: %v", err)
	}
	want := Config{
		NodeID:       1,
		ProcessRoles: []string{"broker", "controller"},
		Listeners: []Listener{
			{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"},
			{Name: "CONTROLLER", Host: "127.0.0.1", Port: 9093, SecurityProtocol: "PLAINTEXT"},
		},
		AdvertisedListeners: []Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"}},
		SecurityProtocolMap: map[string]string{
			"PLAINTEXT": "PLAINTEXT", "CONTROLLER": "PLAINTEXT", "SSL": "SSL",
			"SASL_PLAINTEXT": "SASL_PLAINTEXT", "SASL_SSL": "SASL_SSL",
		},
		ControllerListenerNames: []string{"CONTROLLER"},
		InterBrokerListenerName: "PLAINTEXT",
		ControllerQuorumVoters:  []Voter{{ID: 1, Host: "127.0.0.1", Port: 9093}},
		LogDirs:                 []string{"./skiff-data"},
		HTTPListener:            "127.0.0.1:9644",
		Props:                   map[string]string{},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default()\n got %+v\nwant %+v", c, want)
	}
	if !c.IsBroker() || !c.IsController() || c.MetadataDir() != "skiff-data/metadata" {
		t.Errorf("roles/metadata dir: %v %v %s", c.IsBroker(), c.IsController(), c.MetadataDir())
	}
	if v, ok := c.LocalVoter(); !ok || v.String() != "1@127.0.0.1:9093" {
		t.Errorf("local voter %v %v", v, ok)
	}
	if got := c.ClientListeners(); len(got) != 1 || got[0].String() != "PLAINTEXT://127.0.0.1:9092" {
		t.Errorf("client listeners %v", got)
	}
	if got := c.ControllerListeners(); len(got) != 1 || got[0].Addr() != "127.0.0.1:9093" {
		t.Errorf("controller listeners %v", got)
	}
}

func TestAccessorDefaults(t *testing.T) {
	c := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"num.partitions", c.NumPartitions(), int32(1)},
		{"default.replication.factor", c.DefaultReplicationFactor(), int16(1)},
		{"min.insync.replicas", c.MinInsyncReplicas(), int32(1)},
		{"auto.create.topics.enable", c.AutoCreateTopicsEnable(), true},
		{"message.max.bytes", c.MessageMaxBytes(), int32(1048588)},
		{"socket.request.max.bytes", c.SocketRequestMaxBytes(), int32(104857600)},
		{"offsets.topic.replication.factor", c.OffsetsTopicReplicationFactor(), int16(3)},
		{"offsets.topic.num.partitions", c.OffsetsTopicNumPartitions(), int32(50)},
		{"offsets.retention.minutes", c.OffsetsRetention(), 7 * 24 * time.Hour},
		{"group.initial.rebalance.delay.ms", c.GroupInitialRebalanceDelay(), 3 * time.Second},
		{"group.min.session.timeout.ms", c.GroupMinSessionTimeout(), 6 * time.Second},
		{"group.max.session.timeout.ms", c.GroupMaxSessionTimeout(), 30 * time.Minute},
		{"broker.heartbeat.interval.ms", c.BrokerHeartbeatInterval(), 2 * time.Second},
		{"broker.session.timeout.ms", c.BrokerSessionTimeout(), 9 * time.Second},
		{"log.retention.check.interval.ms", c.LogRetentionCheckInterval(), 5 * time.Minute},
		{"replica.lag.time.max.ms", c.ReplicaLagTimeMax(), 30 * time.Second},
		{"leader.imbalance.check.interval.seconds", c.LeaderImbalanceCheckInterval(), 5 * time.Minute},
		{"log.flush.scheduler.interval.ms", c.LogFlushSchedulerInterval(), time.Duration(1<<63 - 1)},
		{"unclean.leader.election.enable", c.UncleanLeaderElectionEnable(), false},
		{"broker.rack", c.BrokerRack(), ""},
		{"transaction.state.log.min.isr", c.TransactionStateLogMinISR(), int32(2)},
		{"topic segment.bytes", c.TopicDefaults().SegmentBytes, int32(1073741824)},
		{"list", c.List("group.coordinator.rebalance.protocols"), []string{"classic", "consumer"}},
	}
	for _, tt := range checks {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	c.Props = map[string]string{"num.partitions": "6", "log.retention.hours": "1", "broker.rack": " r1 ", "min.insync.replicas": "x"}
	if c.NumPartitions() != 6 || c.TopicDefaults().RetentionMs != 3600000 || c.BrokerRack() != "r1" || c.MinInsyncReplicas() != 1 {
		t.Errorf("props: %d %d %q %d", c.NumPartitions(), c.TopicDefaults().RetentionMs, c.BrokerRack(), c.MinInsyncReplicas())
	}
	defer func() {
		if recover() == nil {
			t.Error("an accessor for an unknown key must panic")
		}
	}()
	c.Int("no.such.key")
}

func TestStorageDirs(t *testing.T) {
	c := Default()
	c.LogDirs = []string{"/a", "/b"}
	c.MetadataLogDir = "/m"
	if got := c.StorageDirs(); !reflect.DeepEqual(got, []string{"/a", "/b", "/m"}) || c.MetadataDir() != "/m/metadata" {
		t.Errorf("%v %s", got, c.MetadataDir())
	}
	c.MetadataLogDir = "/b/"
	if got := c.StorageDirs(); !reflect.DeepEqual(got, []string{"/a", "/b"}) {
		t.Errorf("%v", got)
	}
}

// validateCase changes a default config and expects Validate to blame key
// with a reason containing want ("" expects success).
type validateCase struct {
	name   string
	change func(c *Config)
	key    string
	want   string
}

func TestValidate(t *testing.T) {
	tests := []validateCase{
		{"default", func(c *Config) {}, "", ""},
		{"negative node id", func(c *Config) { c.NodeID = -1 }, "node.id", "negative"},
		{"no roles", func(c *Config) { c.ProcessRoles = nil }, "process.roles", "broker, controller"},
		{"bad role", func(c *Config) { c.ProcessRoles = []string{"observer"} }, "process.roles", "broker, controller"},
		{"duplicate role", func(c *Config) { c.ProcessRoles = []string{"broker", "broker"} }, "process.roles", ""},
		{"no log dirs", func(c *Config) { c.LogDirs = nil }, "log.dir", "at least one"},
		{"duplicate log dirs", func(c *Config) { c.LogDirs = []string{"/a", "/a/"} }, "log.dir", "twice"},
		{"no listeners", func(c *Config) { c.Listeners = nil }, "listeners", "at least one"},
		{"duplicate listener name", func(c *Config) {
			c.Listeners = append(c.Listeners, Listener{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 1, SecurityProtocol: "PLAINTEXT"})
		}, "listeners", "more than once"},
		{"unmapped listener", func(c *Config) {
			c.Listeners = append(c.Listeners, Listener{Name: "EXTERNAL", Host: "127.0.0.1", Port: 19092})
		}, "listener.security.protocol.map", "EXTERNAL"},
		{"port clash", func(c *Config) { c.Listeners[1].Port = 9092 }, "listeners", "same port"},
		{"port clash with wildcard", func(c *Config) { c.Listeners[1].Host, c.Listeners[1].Port = "0.0.0.0", 9092 }, "listeners", "same port"},
		{"ipv4 and ipv6 may share a port", func(c *Config) {
			c.Listeners = append(c.Listeners, Listener{Name: "SSL", Host: "::1", Port: 9092, SecurityProtocol: "SSL"})
		}, "", ""},
		{"port zero may repeat", func(c *Config) { c.Listeners[0].Port, c.Listeners[1].Port = 0, 0 }, "", ""},
		{"http clash", func(c *Config) { c.HTTPListener = ":9093" }, "http.listener", "CONTROLLER"},
		{"http off", func(c *Config) { c.HTTPListener = "" }, "", ""},
		{"http bad", func(c *Config) { c.HTTPListener = "9644" }, "http.listener", "host:port"},
		{"controller without controller listener", func(c *Config) { c.Listeners = c.Listeners[:1] }, "listeners", "controller.listener.names"},
		{"controller-only with a client listener", func(c *Config) { c.ProcessRoles = []string{"controller"} }, "listeners", "controller-only"},
		{"broker-only with a controller listener", func(c *Config) {
			c.ProcessRoles = []string{"broker"}
			c.ControllerQuorumVoters[0].ID = 2
		}, "listeners", "broker-only"},
		{"broker without client listener", func(c *Config) {
			c.Listeners = c.Listeners[1:]
		}, "listeners", "client listener"},
		{"no controller listener names", func(c *Config) { c.ControllerListenerNames = nil }, "controller.listener.names", "at least one"},
		{"inter-broker listener missing", func(c *Config) { c.InterBrokerListenerName = "INTERNAL" }, "inter.broker.listener.name", "PLAINTEXT://127.0.0.1:9092"},
		{"inter-broker listener is the controller's", func(c *Config) { c.InterBrokerListenerName = "CONTROLLER" }, "inter.broker.listener.name", ""},
		{"no quorum", func(c *Config) { c.ControllerQuorumVoters = nil }, "controller.quorum.voters", "bootstrap"},
		{"bootstrap servers instead of voters", func(c *Config) {
			c.ControllerQuorumVoters = nil
			c.ControllerQuorumBootstrapServers = []string{"127.0.0.1:9093"}
		}, "", ""},
		{"controller not a voter", func(c *Config) { c.NodeID = 2 }, "controller.quorum.voters", "node.id 2"},
		{"broker-only voter", func(c *Config) {
			c.ProcessRoles = []string{"broker"}
			c.Listeners = c.Listeners[:1]
		}, "controller.quorum.voters", "broker-only"},
		{"duplicate voter", func(c *Config) {
			c.ControllerQuorumVoters = append(c.ControllerQuorumVoters, Voter{ID: 1, Host: "h", Port: 1})
		}, "controller.quorum.voters", "more than once"},
		{"advertised wildcard", func(c *Config) {
			c.AdvertisedListeners[0].Host = "0.0.0.0"
			c.Props["advertised.listeners"] = "PLAINTEXT://0.0.0.0:9092"
		}, "advertised.listeners", "not an address clients can connect to"},
		{"derived advertised wildcard", func(c *Config) { c.AdvertisedListeners[0].Host = "0.0.0.0" }, "listeners", "advertised.listeners does not name PLAINTEXT"},
		{"advertised unknown listener", func(c *Config) {
			c.AdvertisedListeners = append(c.AdvertisedListeners, Listener{Name: "EXTERNAL", Host: "h", Port: 1})
		}, "advertised.listeners", "not in listeners"},
		{"bad cluster id", func(c *Config) { c.ClusterID = "my-cluster" }, "cluster.id", "random-uuid"},
		{"good cluster id", func(c *Config) { c.ClusterID = "MkU3OEVBNTcwNTJENDM2Qg" }, "", ""},
		{"invalid prop", func(c *Config) { c.Props["num.partitions"] = "0" }, "num.partitions", "at least 1"},
		{"unknown prop", func(c *Config) { c.Props["zookeeper.connect"] = "x" }, "zookeeper.connect", "unknown"},
		{"broker.id differs", func(c *Config) { c.Props["broker.id"] = "2" }, "broker.id", "node.id"},
		{"broker.id equal", func(c *Config) { c.Props["broker.id"] = "1" }, "", ""},
		{"both inter-broker keys", func(c *Config) {
			c.Props["inter.broker.listener.name"] = "PLAINTEXT"
			c.Props["security.inter.broker.protocol"] = "PLAINTEXT"
		}, "security.inter.broker.protocol", "only one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			checkValidate(t, c.Validate(), tt.key, tt.want)
		})
	}
}

func checkValidate(t *testing.T, err error, key, want string) {
	t.Helper()
	if key == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want a ConfigError for %s", err, key)
	}
	if ce.Key != key || !strings.Contains(ce.Reason, want) {
		t.Fatalf("got key %s reason %q; want key %s reason containing %q", ce.Key, ce.Reason, key, want)
	}
	if !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), ce.Value) {
		t.Errorf("message %q does not show key and value", err)
	}
}

func TestValidateWrapsCatalogueError(t *testing.T) {
	c := Default()
	c.Props["ssl.keystore.password"] = "\x00"
	c.Props["num.io.threads"] = "0"
	err := c.Validate()
	if !errors.Is(err, kconfig.ErrInvalidConfig) {
		t.Fatalf("err %v does not wrap the catalogue error", err)
	}
}

func TestPortsClash(t *testing.T) {
	tests := []struct {
		hostA string
		portA int
		hostB string
		portB int
		clash bool
	}{
		{"127.0.0.1", 1, "127.0.0.1", 1, true},
		{"127.0.0.1", 1, "127.0.0.1", 2, false},
		{"", 1, "127.0.0.1", 1, true},
		{"0.0.0.0", 1, "::1", 1, false},
		{"::", 1, "10.0.0.1", 1, false},
		{"10.0.0.1", 1, "10.0.0.2", 1, false},
		{"a.example", 1, "b.example", 1, true},
		{"", 0, "", 0, false},
	}
	for _, tt := range tests {
		if got := portsClash(tt.hostA, tt.portA, tt.hostB, tt.portB); got != tt.clash {
			t.Errorf("%s:%d vs %s:%d = %v", tt.hostA, tt.portA, tt.hostB, tt.portB, got)
		}
	}
}

package server

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// load runs Load with a fake file system holding files.
func load(t *testing.T, args LoadArgs, files map[string]string) (Config, []Warning, error) {
	t.Helper()
	args.ReadFile = func(name string) ([]byte, error) {
		if data, ok := files[name]; ok {
			return []byte(data), nil
		}
		return nil, fs.ErrNotExist
	}
	if args.Hostname == nil {
		args.Hostname = func() (string, error) { return "node-a.example", nil }
	}
	return Load(args)
}

func mustLoad(t *testing.T, args LoadArgs, files map[string]string) (Config, []Warning) {
	t.Helper()
	c, w, err := load(t, args, files)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c, w
}

func TestLoadNothingIsDefault(t *testing.T) {
	c, w := mustLoad(t, LoadArgs{}, nil)
	if len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load() = %+v, want Default()", c)
	}
}

// Each source beats the one below it: override > flag > SKIFF_ env >
// KAFKA_CFG_ env > KAFKA_ env > file > default.
func TestLoadPrecedence(t *testing.T) {
	file := map[string]string{"server.properties": "num.partitions=2\n"}
	layers := []struct {
		name string
		add  func(a *LoadArgs)
		want int32
	}{
		{"default", func(a *LoadArgs) {}, 1},
		{"file", func(a *LoadArgs) { a.ConfigFile = "server.properties" }, 2},
		{"apache env", func(a *LoadArgs) { a.Env = append(a.Env, "KAFKA_NUM_PARTITIONS=3") }, 3},
		{"bitnami env", func(a *LoadArgs) { a.Env = append(a.Env, "KAFKA_CFG_NUM_PARTITIONS=4") }, 4},
		{"override", func(a *LoadArgs) { a.Overrides = append(a.Overrides, "num.partitions=5") }, 5},
		{"later override", func(a *LoadArgs) { a.Overrides = append(a.Overrides, "num.partitions=6") }, 6},
	}
	var args LoadArgs
	for _, l := range layers {
		l.add(&args)
		c, _ := mustLoad(t, args, file)
		if got := c.NumPartitions(); got != l.want {
			t.Errorf("after %s: num.partitions = %d, want %d", l.name, got, l.want)
		}
	}

	// Flag-backed keys: flag > SKIFF_ env > KAFKA_ env > file.
	file = map[string]string{"s.properties": "node.id=2\ncontroller.quorum.voters=2@127.0.0.1:9093,3@127.0.0.1:9193,4@127.0.0.1:9293,5@127.0.0.1:9393\n"}
	args = LoadArgs{ConfigFile: "s.properties"}
	steps := []struct {
		add  func(a *LoadArgs)
		want int32
	}{
		{func(a *LoadArgs) {}, 2},
		{func(a *LoadArgs) { a.Env = append(a.Env, "KAFKA_NODE_ID=3") }, 3},
		{func(a *LoadArgs) { a.Env = append(a.Env, "SKIFF_NODE_ID=4") }, 4},
		{func(a *LoadArgs) { a.Flags = map[string]string{"node-id": "5"} }, 5},
		{func(a *LoadArgs) { a.Overrides = []string{"node.id=2"} }, 2},
	}
	for i, s := range steps {
		s.add(&args)
		c, _ := mustLoad(t, args, file)
		if c.NodeID != s.want {
			t.Errorf("step %d: node.id = %d, want %d", i, c.NodeID, s.want)
		}
	}
}

func TestLoadEveryFlag(t *testing.T) {
	flags := map[string]string{
		"node-id":                             "3",
		"process-roles":                       "broker,controller",
		"listeners":                           "PLAINTEXT://0.0.0.0:19092,CONTROLLER://0.0.0.0:19093",
		"advertised-listeners":                "PLAINTEXT://kafka-3:19092",
		"controller-quorum-voters":            "3@kafka-3:19093",
		"controller-quorum-bootstrap-servers": "kafka-3:19093",
		"log-dirs":                            "/data/a,/data/b",
		"http-listener":                       "0.0.0.0:19644",
		"cluster-id":                          "MkU3OEVBNTcwNTJENDM2Qg",
	}
	c, _ := mustLoad(t, LoadArgs{Flags: flags}, nil)
	if c.NodeID != 3 || c.Listeners[0].Port != 19092 || c.AdvertisedListeners[0].Addr() != "kafka-3:19092" ||
		c.ControllerQuorumVoters[0].String() != "3@kafka-3:19093" || c.ControllerQuorumBootstrapServers[0] != "kafka-3:19093" ||
		!reflect.DeepEqual(c.LogDirs, []string{"/data/a", "/data/b"}) || c.HTTPListener != "0.0.0.0:19644" ||
		c.ClusterID != "MkU3OEVBNTcwNTJENDM2Qg" {
		t.Errorf("%+v", c)
	}
	for _, f := range Flags() {
		if _, ok := flags[f.Name]; !ok {
			t.Errorf("flag --%s not covered", f.Name)
		}
		if c.Props[f.Key] == "" {
			t.Errorf("flag --%s did not set %s", f.Name, f.Key)
		}
		if f.Env != "SKIFF_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")) || f.Usage == "" {
			t.Errorf("flag %+v", f)
		}
	}
	if _, _, err := load(t, LoadArgs{Flags: map[string]string{"no-such": "1"}}, nil); err == nil {
		t.Error("unknown flag name accepted")
	}
}

func TestLoadEnvStyles(t *testing.T) {
	env := []string{
		"KAFKA_CFG_LOG_RETENTION_HOURS=12",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT",
		"KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,EXTERNAL://127.0.0.1:29092",
		"KAFKA_HEAP_OPTS=-Xmx1G", // not a config key: no warning
		"CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qg",
		"SKIFF_LOG_DIRS=/var/lib/skiff",
		"PATH=/usr/bin",
		"SKIFF_BROKERS=ignored-by-the-server:9092",
	}
	c, w := mustLoad(t, LoadArgs{Env: env}, nil)
	if len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
	if c.TopicDefaults().RetentionMs != 12*3600000 || c.ClusterID != "MkU3OEVBNTcwNTJENDM2Qg" ||
		c.LogDirs[0] != "/var/lib/skiff" || len(c.Listeners) != 3 {
		t.Errorf("%+v", c)
	}
	if a, ok := c.AdvertisedListener("EXTERNAL"); !ok || a.Addr() != "127.0.0.1:29092" {
		t.Errorf("EXTERNAL advertised %v %v", a, ok)
	}
	if c.Props["log.retention.hours"] != "12" {
		t.Errorf("props %v", c.Props)
	}
}

func TestApacheEnvKey(t *testing.T) {
	tests := map[string]string{
		"KAFKA_NODE_ID":                          "node.id",
		"KAFKA_LISTENER_NAME_A__B_X___Y":         "listener.name.a_b.x-y",
		"KAFKA_A____B":                           "a-.b",
		"KAFKA_A______B":                         "a--b",
		"KAFKA_CONTROLLER_QUORUM_VOTERS":         "controller.quorum.voters",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "offsets.topic.replication.factor",
	}
	for env, want := range tests {
		if got, ok := apacheEnvKey(env); !ok || got != want {
			t.Errorf("%s -> %q %v, want %q", env, got, ok, want)
		}
	}
	for _, env := range []string{"KAFKA_", "KAFKA_CFG_NODE_ID", "KAFKA_OPTS", "CLUSTER_ID", "KAFKA_KRAFT_CLUSTER_ID", "SKIFF_NODE_ID"} {
		if key, ok := apacheEnvKey(env); ok {
			t.Errorf("%s mapped to %q", env, key)
		}
	}
	if key, ok := bitnamiEnvKey("KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE"); !ok || key != "auto.create.topics.enable" {
		t.Errorf("bitnami %q %v", key, ok)
	}
	if _, ok := bitnamiEnvKey("KAFKA_CFG_"); ok {
		t.Error("empty bitnami key")
	}
}

func TestLoadPropertiesFile(t *testing.T) {
	file := `# A Kafka server.properties
process.roles=broker,controller
node.id = 1
controller.quorum.voters: 1@localhost:9093
listeners=PLAINTEXT://:9092,\
          CONTROLLER://:9093
advertised.listeners PLAINTEXT://localhost:9092
log.dirs=/tmp/kraft-combined-logs
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
log.retention.hours=168
zookeeper.connection.timeout.ms=18000
`
	c, w := mustLoad(t, LoadArgs{ConfigFile: "/etc/kafka/server.properties"}, map[string]string{"/etc/kafka/server.properties": file})
	if c.Listeners[0].Host != "" || c.Listeners[1].Port != 9093 || c.AdvertisedListeners[0].Addr() != "localhost:9092" ||
		c.OffsetsTopicReplicationFactor() != 1 || c.LogDirs[0] != "/tmp/kraft-combined-logs" {
		t.Errorf("%+v", c)
	}
	got := map[string]string{}
	for _, warning := range w {
		got[warning.Key] = warning.String()
	}
	for _, key := range []string{"num.network.threads", "num.io.threads", "zookeeper.connection.timeout.ms"} {
		if !strings.Contains(got[key], "/etc/kafka/server.properties:") {
			t.Errorf("no warning naming the file line for %s: %v", key, w)
		}
	}
	if !strings.Contains(got["num.io.threads"], "goroutines") || !strings.Contains(got["zookeeper.connection.timeout.ms"], "unknown") {
		t.Errorf("warnings %v", got)
	}
	// Kafka's quickstart binds every interface and advertises localhost.
	if len(w) != 4 || !strings.Contains(got["advertised.listeners"], "own localhost") {
		t.Errorf("%d warnings: %v", len(w), w)
	}

	// SKIFF_CONFIG names the file when --config is absent.
	c, _ = mustLoad(t, LoadArgs{Env: []string{"SKIFF_CONFIG=/f"}}, map[string]string{"/f": "num.partitions=9"})
	if c.NumPartitions() != 9 {
		t.Errorf("SKIFF_CONFIG not read")
	}
	if _, _, err := load(t, LoadArgs{ConfigFile: "/missing"}, nil); err == nil || !strings.Contains(err.Error(), "/missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := load(t, LoadArgs{ConfigFile: "/bad"}, map[string]string{"/bad": "a=\\u12"}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("malformed file: %v", err)
	}
}

func TestLoadErrorsNameTheSource(t *testing.T) {
	tests := []struct {
		name   string
		args   LoadArgs
		files  map[string]string
		key    string
		source string
	}{
		{"file", LoadArgs{ConfigFile: "f"}, map[string]string{"f": "\n\nnum.partitions=0"}, "num.partitions", "f:3"},
		{"env", LoadArgs{Env: []string{"KAFKA_CFG_NODE_ID=x"}}, nil, "node.id", "env KAFKA_CFG_NODE_ID"},
		{"flag", LoadArgs{Flags: map[string]string{"process-roles": "observer"}}, nil, "process.roles", "flag --process-roles"},
		{"override", LoadArgs{Overrides: []string{"message.max.bytes=-1"}}, nil, "message.max.bytes", "--override"},
		{"bad override syntax", LoadArgs{Overrides: []string{"num.partitions"}}, nil, "--override", ""},
		{"whole config", LoadArgs{Flags: map[string]string{"node-id": "7"}}, nil, "controller.quorum.voters", "default"},
		{"advertised wildcard", LoadArgs{Flags: map[string]string{"listeners": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093"}}, nil, "listeners", "flag --listeners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := load(t, tt.args, tt.files)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a ConfigError", err)
			}
			if ce.Key != tt.key || ce.Source != tt.source {
				t.Errorf("key %q source %q, want %q %q (%v)", ce.Key, ce.Source, tt.key, tt.source, err)
			}
		})
	}
}

func TestLoadRoleDefaults(t *testing.T) {
	c, _ := mustLoad(t, LoadArgs{Flags: map[string]string{"process-roles": "broker", "node-id": "2"}}, nil)
	if len(c.Listeners) != 1 || c.Listeners[0].String() != "PLAINTEXT://127.0.0.1:9092" || c.IsController() {
		t.Errorf("broker-only listeners %v", c.Listeners)
	}
	c, _ = mustLoad(t, LoadArgs{Flags: map[string]string{"process-roles": "controller"}}, nil)
	if len(c.Listeners) != 1 || c.Listeners[0].Name != "CONTROLLER" || len(c.AdvertisedListeners) != 0 {
		t.Errorf("controller-only listeners %v advertised %v", c.Listeners, c.AdvertisedListeners)
	}
}

func TestLoadDerivations(t *testing.T) {
	// An empty listener host is advertised as this machine's name.
	c, _ := mustLoad(t, LoadArgs{Flags: map[string]string{"listeners": "PLAINTEXT://:9092,CONTROLLER://:9093"}}, nil)
	if c.AdvertisedListeners[0].Addr() != "node-a.example:9092" || c.Listeners[0].Host != "" {
		t.Errorf("advertised %v", c.AdvertisedListeners)
	}
	// broker.id stands for node.id when node.id is not set.
	c, _ = mustLoad(t, LoadArgs{Overrides: []string{"broker.id=4", "controller.quorum.voters=4@127.0.0.1:9093"}}, nil)
	if c.NodeID != 4 {
		t.Errorf("node id %d", c.NodeID)
	}
	// security.inter.broker.protocol picks the listener of that name.
	c, _ = mustLoad(t, LoadArgs{Overrides: []string{"listeners=SSL://127.0.0.1:9094,CONTROLLER://127.0.0.1:9093",
		"security.inter.broker.protocol=SSL"}}, nil)
	if c.InterBrokerListenerName != "SSL" || c.Listeners[0].SecurityProtocol != "SSL" {
		t.Errorf("inter broker %q %v", c.InterBrokerListenerName, c.Listeners)
	}
	// log.dir is used when log.dirs is not set; listener names are
	// upper-cased; a controller listener missing from an all-PLAINTEXT map
	// is PLAINTEXT.
	c, _ = mustLoad(t, LoadArgs{Overrides: []string{"log.dir=/d", "listeners=plaintext://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT"}}, nil)
	if c.LogDirs[0] != "/d" || c.Listeners[0].Name != "PLAINTEXT" || c.Listeners[1].SecurityProtocol != "PLAINTEXT" {
		t.Errorf("%+v", c)
	}
	// An explicitly advertised controller listener is kept (KIP-853).
	c, _ = mustLoad(t, LoadArgs{Flags: map[string]string{"advertised-listeners": "CONTROLLER://ctl:9093"}}, nil)
	if a, ok := c.AdvertisedListener("CONTROLLER"); !ok || a.Host != "ctl" || len(c.AdvertisedListeners) != 2 {
		t.Errorf("advertised %v", c.AdvertisedListeners)
	}
}

func TestLoadLintWarnings(t *testing.T) {
	_, w := mustLoad(t, LoadArgs{Overrides: []string{"controller.quorum.voters=1@127.0.0.1:9999"}}, nil)
	if len(w) != 1 || !strings.Contains(w[0].Message, "9999") {
		t.Errorf("voter port warning: %v", w)
	}
	_, w = mustLoad(t, LoadArgs{Overrides: []string{"controller.quorum.voters=1@127.0.0.1:9093,2@10.0.0.2:9093,3@10.0.0.3:9093"}}, nil)
	if len(w) != 1 || !strings.Contains(w[0].Message, "loopback") {
		t.Errorf("loopback warning: %v", w)
	}
	_, w = mustLoad(t, LoadArgs{Flags: map[string]string{
		"listeners":            "PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093",
		"advertised-listeners": "PLAINTEXT://localhost:9092",
	}}, nil)
	if len(w) != 1 || !strings.Contains(w[0].Message, "their own localhost") {
		t.Errorf("wildcard advertised as loopback: %v", w)
	}
}

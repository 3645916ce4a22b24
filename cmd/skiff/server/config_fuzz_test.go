package server

import (
	"testing"
)

// FuzzLoadConfigFile feeds arbitrary server.properties content (bytes from
// disk) and environment values through Load: it must never panic, and a
// configuration it accepts must validate again.
func FuzzLoadConfigFile(f *testing.F) {
	f.Add([]byte("node.id=1\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\n"), "KAFKA_NUM_PARTITIONS=3")
	f.Add([]byte("process.roles=broker\nnode.id=2\n"), "SKIFF_LISTENERS=PLAINTEXT://[::1]:0")
	f.Add([]byte("advertised.listeners=PLAINTEXT://0.0.0.0:9092\n"), "KAFKA_CFG_LOG_DIRS=/a,/a")
	f.Add([]byte("controller.quorum.voters=\nlog.dirs=\\\n"), "CLUSTER_ID=x")
	f.Fuzz(func(t *testing.T, file []byte, env string) {
		cfg, _, err := Load(LoadArgs{
			ConfigFile: "server.properties",
			Env:        []string{env},
			ReadFile:   func(string) ([]byte, error) { return file, nil },
			Hostname:   func() (string, error) { return "host", nil },
		})
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Load accepted a config that does not validate: %v", err)
		}
	})
}

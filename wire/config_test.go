package wire

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigIsKafkas(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxRequestBytes != 104857600 || cfg.IdleTimeout != 10*time.Minute {
		t.Fatalf("defaults differ from Kafka's: %+v", cfg)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"tiny max request", func(c *Config) { c.MaxRequestBytes = 4 }, "socket.request.max.bytes"},
		{"negative max request", func(c *Config) { c.MaxRequestBytes = -1 }, "socket.request.max.bytes"},
		{"no in-flight", func(c *Config) { c.MaxInFlightPerConn = 0 }, "in-flight"},
		{"huge in-flight", func(c *Config) { c.MaxInFlightPerConn = 1 << 30 }, "in-flight"},
		{"zero idle", func(c *Config) { c.IdleTimeout = 0 }, "connections.max.idle.ms"},
		{"no connections", func(c *Config) { c.MaxConnections = 0 }, "max.connections"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

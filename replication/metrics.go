package replication

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ReplicaManager gauges Kafka's JMX-exporter dashboards
// chart, computed when scraped so they never drift from the partition map.
type metrics struct{}

func newMetrics(reg prometheus.Registerer, m *Manager) (*metrics, error) {
	if reg == nil {
		return &metrics{}, nil
	}
	gauges := []struct {
		name, help string
		pick       func(hosted, leading, under int) int
	}{
		{"kafka_server_replicamanager_partitioncount", "Partitions hosted on this broker.", func(h, _, _ int) int { return h }},
		{"kafka_server_replicamanager_leadercount", "Partitions this broker leads.", func(_, l, _ int) int { return l }},
		{"kafka_server_replicamanager_underreplicatedpartitions", "Led partitions whose ISR is smaller than their replica set.", func(_, _, u int) int { return u }},
	}
	for _, g := range gauges {
		pick := g.pick
		c := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help}, func() float64 {
			return float64(pick(m.Counts()))
		})
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register %s: %w", g.name, err)
		}
	}
	return &metrics{}, nil
}

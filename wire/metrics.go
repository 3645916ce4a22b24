package wire

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Metric names follow what Kafka's JMX exporter produces, so existing
// dashboards chart them.
const (
	metricRequests    = "kafka_network_requestmetrics_requests_total"
	metricTotalTime   = "kafka_network_requestmetrics_totaltimems"
	metricConnections = "kafka_server_socket_server_metrics_connection_count"
	metricBytesIn     = "kafka_server_socket_server_metrics_incoming_byte_total"
	metricBytesOut    = "kafka_server_socket_server_metrics_outgoing_byte_total"
	metricRejected    = "kafka_server_socket_server_metrics_connection_rejected_total"
)

// serverMetrics are one Server's collectors. Per-key children are resolved
// once and cached, so the request path does no label lookups.
type serverMetrics struct {
	requests    *prometheus.CounterVec
	totalTime   *prometheus.HistogramVec
	connections *prometheus.GaugeVec
	bytesIn     *prometheus.CounterVec
	bytesOut    *prometheus.CounterVec
	rejected    *prometheus.CounterVec

	byKey [maxProbeKey]atomic.Pointer[keyMetrics]
}

type keyMetrics struct {
	requests  prometheus.Counter
	totalTime prometheus.Observer
}

// listenerMetrics are the per-listener children a connection updates.
type listenerMetrics struct {
	connections prometheus.Gauge
	bytesIn     prometheus.Counter
	bytesOut    prometheus.Counter
}

func newServerMetrics(reg prometheus.Registerer) (*serverMetrics, error) {
	m := &serverMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricRequests,
			Help: "Requests answered (or completed without a response), by API.",
		}, []string{"request"}),
		totalTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    metricTotalTime,
			Help:    "Milliseconds from a request being read to its response being written, by API.",
			Buckets: []float64{0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000},
		}, []string{"request"}),
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: metricConnections,
			Help: "Open client connections, by listener.",
		}, []string{"listener"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricBytesIn,
			Help: "Request bytes read from the network, by listener.",
		}, []string{"listener"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricBytesOut,
			Help: "Response bytes written to the network, by listener.",
		}, []string{"listener"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricRejected,
			Help: "Connections closed on accept because max.connections was reached, by listener.",
		}, []string{"listener"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.requests, m.totalTime, m.connections, m.bytesIn, m.bytesOut, m.rejected} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// forKey returns the collectors for an API key kmsg knows.
func (m *serverMetrics) forKey(key int16) *keyMetrics {
	slot := &m.byKey[key]
	if km := slot.Load(); km != nil {
		return km
	}
	name := kmsg.NameForKey(key)
	km := &keyMetrics{
		requests:  m.requests.WithLabelValues(name),
		totalTime: m.totalTime.WithLabelValues(name),
	}
	slot.CompareAndSwap(nil, km) // a racing goroutine stored the same children
	return slot.Load()
}

func (m *serverMetrics) forListener(name string) *listenerMetrics {
	return &listenerMetrics{
		connections: m.connections.WithLabelValues(name),
		bytesIn:     m.bytesIn.WithLabelValues(name),
		bytesOut:    m.bytesOut.WithLabelValues(name),
	}
}

// requestDone records one completed request.
func (m *serverMetrics) requestDone(req *Request, now time.Time) {
	km := m.forKey(req.Key)
	km.requests.Inc()
	km.totalTime.Observe(float64(now.Sub(req.Received)) / float64(time.Millisecond))
}

package kafkaapi

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// topicMetrics are Kafka's BrokerTopicMetrics under the names its
// JMX-exporter dashboards chart, labelled by topic.
type topicMetrics struct {
	messagesIn    *prometheus.CounterVec
	bytesIn       *prometheus.CounterVec
	bytesOut      *prometheus.CounterVec
	failedProduce *prometheus.CounterVec
}

func newTopicMetrics(reg prometheus.Registerer) (*topicMetrics, error) {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"topic"})
	}
	m := &topicMetrics{
		messagesIn:    vec("kafka_server_brokertopicmetrics_messagesin_total", "Records appended by produce requests."),
		bytesIn:       vec("kafka_server_brokertopicmetrics_bytesin_total", "Record batch bytes appended by produce requests."),
		bytesOut:      vec("kafka_server_brokertopicmetrics_bytesout_total", "Record batch bytes sent in fetch responses."),
		failedProduce: vec("kafka_server_brokertopicmetrics_failedproducerequests_total", "Partition produces that failed."),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.messagesIn, m.bytesIn, m.bytesOut, m.failedProduce} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register topic metrics: %w", err)
		}
	}
	return m, nil
}

func (m *topicMetrics) recordIn(topic string, bytes, records int) {
	m.bytesIn.WithLabelValues(topic).Add(float64(bytes))
	m.messagesIn.WithLabelValues(topic).Add(float64(records))
}

func (m *topicMetrics) recordOut(topic string, bytes int) {
	m.bytesOut.WithLabelValues(topic).Add(float64(bytes))
}

func (m *topicMetrics) recordFailedProduce(topic string) {
	m.failedProduce.WithLabelValues(topic).Inc()
}

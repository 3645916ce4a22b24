// Package e2e holds tests that need more than one process: the built skiff
// binary under SIGKILL, real Kafka clients (kcat, confluent-kafka,
// kafka-python, sarama, kafka-go) and, later, multi-node clusters. Each test
// skips with a clear message when what it needs is missing.
package e2e

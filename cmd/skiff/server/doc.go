// Package server is the importable Skiff node: the broker configuration
// (Kafka's keys from flags, environment, a properties file and overrides;
// config*.go), storage preparation (meta.properties and the dir locks), the
// HTTP endpoints (/healthz, /readyz, /metrics), and Node, which starts the
// packages below in order and stops them in reverse:
//
//	storage → listeners → HTTP → logs → metadata quorum → controller →
//	partitions (fed by the quorum's deltas) → Kafka API → register, unfence,
//	serve clients
//
// cmd/skiff only parses its command line and calls Start, so tests start
// the same node in-process that users start as a binary.
//
// It holds no business logic: what a request does lives in wire/kafkaapi,
// replication, metadata and log.
package server

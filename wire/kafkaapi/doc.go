// Package kafkaapi serves the Kafka APIs: one file per API (produce.go,
// fetch.go, metadata.go, ...), each starting with the versions it serves and
// what it leaves out. versions.go is the single table ApiVersions is built
// from and requests are checked against; errors.go is the one place package
// errors become Kafka error codes.
//
// Handlers translate between the protocol and the packages that do the
// work: replication for partitions, the metadata controller for topic and
// config changes. They hold no state of their own beyond per-request
// bookkeeping and the producer-id block cache, and they never touch files.
package kafkaapi

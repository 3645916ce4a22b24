// Package group will own the group coordinator (Kafka's classic consumer-group
// protocol, later KIP-848), committed offsets and, later, the transaction
// coordinator. Their state lives in internal compacted topics
// (__consumer_offsets, __transaction_state) that it reads and writes through
// ordinary partitions, never directly on disk and never in the Raft log.
//
// It is built in the consumer-group issue; until then Skiff does not list the
// group APIs in ApiVersions, so clients never send them.
package group

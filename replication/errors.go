package replication

import "errors"

// Sentinel errors. wire/kafkaapi maps them to Kafka error codes; the comment
// after each names the code.
var (
	// ErrUnknownTopicOrPartition: the published image has no such partition.
	// UNKNOWN_TOPIC_OR_PARTITION.
	ErrUnknownTopicOrPartition = errors.New("unknown topic or partition")
	// ErrUnknownTopicID: the published image has no topic with that id.
	// UNKNOWN_TOPIC_ID.
	ErrUnknownTopicID = errors.New("unknown topic id")
	// ErrNotLeader: the partition exists but this broker does not lead it
	// (or stopped hosting it while a request waited). NOT_LEADER_OR_FOLLOWER.
	ErrNotLeader = errors.New("not the leader for this partition")
	// ErrFencedLeaderEpoch: the client's leader epoch is older than ours.
	// FENCED_LEADER_EPOCH.
	ErrFencedLeaderEpoch = errors.New("fenced leader epoch")
	// ErrUnknownLeaderEpoch: the client's leader epoch is newer than ours
	// (our metadata lags). UNKNOWN_LEADER_EPOCH.
	ErrUnknownLeaderEpoch = errors.New("unknown leader epoch")
	// ErrNotEnoughReplicas: acks=all while the ISR is smaller than
	// min.insync.replicas; nothing was appended. NOT_ENOUGH_REPLICAS.
	ErrNotEnoughReplicas = errors.New("not enough in-sync replicas")
	// ErrNotEnoughReplicasAfterAppend: appended, but the ISR shrank below
	// min.insync.replicas before the records were replicated.
	// NOT_ENOUGH_REPLICAS_AFTER_APPEND.
	ErrNotEnoughReplicasAfterAppend = errors.New("not enough in-sync replicas after append")
	// ErrReplicationTimeout: acks=all records were not replicated to the ISR
	// within the request's timeout. REQUEST_TIMED_OUT.
	ErrReplicationTimeout = errors.New("timed out waiting for in-sync replicas")
)

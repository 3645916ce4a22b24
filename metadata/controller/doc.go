// Package controller is the active controller: the logic that runs on the
// Raft leader of the `@metadata` quorum, validates Kafka controller
// requests against the current image, decides what to change, and proposes
// the records that change it.
//
// # Shape (after Kafka's QuorumController)
//
// All operations run one at a time on a single event-loop goroutine: read
// the image, decide, propose, wait for the entry to commit and apply,
// answer. The deciding is done by pure functions of (image, request, now,
// seeded randomness) that return the Kafka response and the Raft entries
// to write (create_topics.go, delete_topics.go, create_partitions.go,
// alter_configs.go, producer_ids.go, brokers.go, liveness.go,
// placement.go); tests drive them without Raft or clocks. The loop only
// sequences them and turns proposal failures into per-item error codes.
//
// Methods take and return kmsg request/response structs and set Kafka
// error codes themselves (kerr), because controller RPCs are Kafka APIs
// that brokers forward unchanged to the active controller. This is the one
// documented exception to "error codes only at the API edge".
//
// # Invariants
//
//   - Only the Raft leader acts. A node that is not the leader answers
//     NOT_CONTROLLER; after winning an election the controller first waits
//     for a Raft barrier so its image holds everything committed before
//     (no stale decisions), then gives every registered broker a fresh
//     session.
//   - Every decision that depends on state carries the epoch it read
//     (partition epoch, broker epoch), and the image re-checks it at apply
//     time, so a deposed controller's late proposal cannot do harm.
//   - One Raft entry per topic created, deleted or grown, so one bad topic
//     never fails its neighbours and an entry never holds more than one
//     topic's partitions (at most 10,000 per request, as Kafka).
//   - Broker liveness is controller memory, not log state: heartbeats
//     refresh a session; a broker silent for the session timeout is fenced
//     by a committed record.
//
// # Not yet here
//
// Leader election and ISR changes (AlterPartition), moving leadership off
// fenced or shutting-down brokers, reassignment, dynamic broker configs.
// The records and image already carry what those need.
package controller

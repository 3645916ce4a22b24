// Package image holds the immutable in-memory image of cluster metadata
// that every node builds by applying the `@metadata` log, and the deltas
// that describe each applied entry.
//
// # What it owns
//
// An *Image is the state after applying log entries up to Offset (the Raft
// index) in Term: the cluster id, registered brokers (endpoints, epoch,
// fenced), topics by name and by id with their partitions (replicas, ISR,
// leader, leader epoch, partition epoch), dynamic topic and broker config
// overrides, and the next free producer id.
//
// # Invariants
//
//   - An *Image never changes after it is returned. Apply returns a new image
//     that shares all untouched structure with the old one (persistent maps
//     and lists from benbjohnson/immutable), so applying one record costs
//     O(log n) with a branching factor of 32 — effectively constant — no
//     matter how many topics or partitions exist, and a 10,000-partition
//     topic is not copied to change one partition. Readers may hold any
//     image for as long as they like without locks.
//   - Values handed out (*Topic, *Partition, *Broker and their slices) are
//     shared with the image: callers must not modify them.
//   - Apply is deterministic: the same image and records give the same
//     result on every node. It validates each record's preconditions (topic
//     exists or not, partition-epoch compare-and-set for PartitionChange,
//     broker-epoch match for broker records, producer ids increasing) and
//     rejects the whole entry if any record fails: the image is unchanged and
//     the *ApplyError names the record and the reason.
//   - Topic names are unique, ids are unique, and no two topic names differ
//     only by '.' versus '_' (Kafka's collision rule, which keeps metric
//     names apart). Partitions of a topic are numbered 0..n-1 without gaps.
//   - A Delta is exact: it lists every topic created or deleted, every
//     partition created, changed or deleted (old and new state), every
//     config override changed, and every broker changed by one entry —
//     nothing else — in time proportional to the size of the change.
//   - Records(img) lists records that rebuild an equal image (snapshots).
//
// # What it must not do
//
// No I/O, no goroutines, no clocks, no Kafka error codes: the controller
// decides what to propose and maps errors; the quorum persists and
// replicates.
package image

// Package metadata is the root of the cluster-metadata subsystem: the
// `@metadata` log replicated by a Raft quorum of controllers (hashicorp/raft
// with raft-boltdb/v2), the record types in that log, the immutable
// in-memory image every node builds from it, and the controller logic that
// validates requests and proposes records.
//
// Sub-packages:
//   - record: the versioned, append-only record types and their encoding.
//   - image: the immutable image and how each record applies as a delta.
//   - config: the catalogue of Kafka broker and topic configuration keys.
//   - quorum: the Raft node (FSM, snapshots, stores, transport).
//   - controller: request validation, replica placement, producer-id blocks.
//
// Flow: the controller (on the Raft leader only) decides and proposes
// entries through quorum.Propose; every node's quorum FSM applies each
// committed entry with image.Apply and publishes the image.Delta to
// subscribers (the broker's partition manager) in commit order.
//
// Nothing here knows about segments or client sockets.
package metadata

// Package quorum runs the `@metadata` log: a hashicorp/raft node whose
// FSM applies each committed entry to the metadata image and publishes
// the resulting deltas.
//
// # What it owns
//
//   - Storage under Config.Dir (`<first log dir>/metadata/`): raft.db, a
//     raft-boltdb/v2 (bbolt) file holding the Raft log and stable state
//     (term, vote), and snapshots/, hashicorp's file snapshot store.
//   - The transport: hashicorp's NetworkTransport over a StreamLayer that
//     shares the controller listener (port 9093) with Kafka-protocol
//     controller RPCs. Every Raft connection starts with Preface, four bytes
//     that read as an impossible Kafka frame length; Dial writes it, and the
//     listener handed to Open yields connections whose preface was already
//     consumed (wire.Mux routes by it).
//   - The FSM: decode entry → image.Apply → publish. The current image is
//     held in an atomic pointer; readers never lock.
//   - Delta publication: every applied entry (also rejected and empty ones,
//     whose delta is empty but whose Image carries the new offset) yields
//     one *image.Delta delivered to each Subscription in commit order,
//     through an unbounded per-subscriber queue, so a slow subscriber never
//     blocks the FSM. A new subscription first receives the delta from the
//     empty image to the current one, so after a restart a broker starts
//     exactly what the restored image says.
//
// # Snapshot format (inside hashicorp's snapshot file)
//
//	header := "SKIFFSNP" version:byte(1) offset:uvarint term:uvarint
//	          clusterIDLength:uvarint clusterID
//	body   := record frames (record.Writer) of up to 1024 records each,
//	          in image.EachRecord order, then one frame with no records
//	          marking the end
//
// A snapshot is written by streaming the immutable image it captured, so
// it needs no copy of the state and runs concurrently with new applies.
//
// # Invariants
//
//   - Only the leader proposes (Propose returns *NotLeaderError elsewhere).
//     Every entry is applied identically on every node: an entry the image
//     rejects (or that does not decode) is skipped, not half-applied, and the
//     proposer gets the error.
//   - Term is the controller epoch; every proposal that depends on state
//     carries the epoch it read (partition epoch, broker epoch) and the
//     image enforces it at apply time.
//   - All voters bootstrap the same configuration (Config.Voters) when their
//     log is empty; a non-voter (Config.Voter false, a broker-only node)
//     never bootstraps and waits to be added with AddObserver.
//
// # What it must not do
//
// Decide anything about topics, brokers or partitions (the controller
// does), or know about segments and client sockets.
package quorum

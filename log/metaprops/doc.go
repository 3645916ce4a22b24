// Package metaprops owns the meta.properties file that ties each log dir to
// its cluster and node, and the Java .properties text format it (and
// Kafka's server.properties) is written in.
//
// Format, as Kafka's KRaft meta.properties (a Java .properties file):
//
//	version=1
//	cluster.id=<22-character base64url UUID>
//	node.id=<non-negative int>
//	directory.id=<22-character base64url UUID>
//
// Invariants:
//   - A node starts only on dirs whose meta.properties names its node id and
//     one cluster id; EnsureFormatted refuses anything else with an error
//     that names the dir, the value found and the value expected.
//   - Only empty dirs are formatted automatically (hidden entries and
//     lost+found are ignored), so data that lost its meta.properties is
//     never adopted by a new cluster.
//   - meta.properties is replaced atomically (write temporary file, fsync,
//     rename, fsync dir): a crash leaves the old file or the new one.
//
// Ids are Kafka UUIDs: 16 bytes as 22 base64url characters, what
// `kafka-storage random-uuid` (and `skiff storage random-uuid`) prints.
//
// The package does not lock dirs against a second process, and knows
// nothing of segments: the log package owns everything else in a dir.
package metaprops

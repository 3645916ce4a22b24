// Package log owns one partition's on-disk log and the log directories that
// hold them: segments, sparse offset and time indexes, recovery after a
// crash, retention, producer state for idempotent producers, and the per-dir
// checkpoint files.
//
// It must not know about the network, Raft, or who leads a partition: the
// replication package tells a Log what to append and where the high
// watermark is.
package log

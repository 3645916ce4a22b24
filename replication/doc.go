// Package replication owns partition leadership on a broker: which partitions
// this broker leads or follows (as the committed metadata image says), the
// produce path (append, acks, the purgatory that parks acks=all requests until
// the high watermark passes them), the fetch path (reads up to the high
// watermark, long polls), and later follower fetchers, ISR changes and
// leader-epoch truncation.
//
// It reacts to the metadata image; it must not decide leaders (the controller
// does) and it touches disk only through package log.
package replication

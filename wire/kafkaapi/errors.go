package kafkaapi

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/metadata/config"
	"github.com/skiffhq/skiff/replication"
)

// errorCodes is the one table that turns package errors into the Kafka
// error codes a Kafka broker sends for the same condition. Entries are
// matched with errors.Is in order, so wrapped errors map correctly.
var errorCodes = []struct {
	err  error
	code *kerr.Error
}{
	{replication.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{replication.ErrUnknownTopicID, kerr.UnknownTopicID},
	{replication.ErrNotLeader, kerr.NotLeaderForPartition},
	{replication.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{replication.ErrUnknownLeaderEpoch, kerr.UnknownLeaderEpoch},
	{replication.ErrNotEnoughReplicas, kerr.NotEnoughReplicas},
	{replication.ErrNotEnoughReplicasAfterAppend, kerr.NotEnoughReplicasAfterAppend},
	{replication.ErrReplicationTimeout, kerr.RequestTimedOut},
	{log.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{log.ErrRecordTooLarge, kerr.MessageTooLarge},
	{log.ErrRecordListTooLarge, kerr.RecordListTooLarge},
	{log.ErrOutOfOrderSequence, kerr.OutOfOrderSequenceNumber},
	{log.ErrInvalidProducerEpoch, kerr.InvalidProducerEpoch},
	{log.ErrInvalidTimestamp, kerr.InvalidTimestamp},
	{log.ErrInvalidRecord, kerr.InvalidRecord},
	{log.ErrClosed, kerr.NotLeaderForPartition},
	{log.ErrStorage, kerr.KafkaStorageError},
	{config.ErrInvalidConfig, kerr.InvalidConfig},
	{context.DeadlineExceeded, kerr.RequestTimedOut},
	{context.Canceled, kerr.RequestTimedOut},
}

// errorCode returns the Kafka error code for err (0 for nil). A *kerr.Error
// anywhere in the chain is used as is; a malformed record batch is
// CORRUPT_MESSAGE (Kafka's answer to a bad CRC or length) unless it is the
// wrong magic, which Kafka rejects as INVALID_RECORD; anything unrecognised
// is UNKNOWN_SERVER_ERROR.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code.Code
		}
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	var fe *batch.FormatError
	if errors.As(err, &fe) {
		if fe.Reason == batch.ReasonMagic {
			return kerr.InvalidRecord.Code
		}
		return kerr.CorruptMessage.Code
	}
	return kerr.UnknownServerError.Code
}

// errorMessage is the message to send with an error code where the
// protocol has a field for it: nil on success, so clients print nothing.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}
